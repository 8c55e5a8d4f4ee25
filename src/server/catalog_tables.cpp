#include "server/catalog_tables.h"

namespace lakehouse::server {

query::TableProvider CatalogTables(const catalog::Catalog& catalog) {
  return [&catalog]() -> Result<std::vector<query::TableSource>> {
    LH_ASSIGN_OR_RETURN(auto datasets, catalog.CurrentDatasets());
    std::vector<query::TableSource> sources;
    sources.reserve(datasets.size());
    for (auto& dataset : datasets) {
      if (dataset.data_uris.empty()) continue;
      sources.push_back({std::move(dataset.name), std::move(dataset.data_uris),
                         std::to_string(dataset.version), std::move(dataset.delta_uris),
                         dataset.primary_key.value_or("")});
    }
    return sources;
  };
}

std::vector<const S3ObjectStore*> S3Buckets(const BucketRegistry& buckets) {
  std::vector<const S3ObjectStore*> s3;
  for (const auto& name : buckets.names()) {
    auto store = buckets.Backend(name);
    if (!store.ok()) continue;
    if (const auto* bucket = dynamic_cast<const S3ObjectStore*>(*store)) s3.push_back(bucket);
  }
  return s3;
}

}  // namespace lakehouse::server
