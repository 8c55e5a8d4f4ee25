#include "server/catalog_tables.h"

namespace lakehouse::server {

query::TableProvider CatalogTables(const catalog::Catalog& catalog) {
  return [&catalog]() -> Result<std::vector<query::TableSource>> {
    LH_ASSIGN_OR_RETURN(auto datasets, catalog.CurrentDatasets());
    std::vector<query::TableSource> sources;
    sources.reserve(datasets.size());
    for (auto& dataset : datasets) {
      if (dataset.data_uris.empty() || dataset.data_uris.front().rfind("s3://", 0) == 0) continue;
      sources.push_back(
          {std::move(dataset.name), std::move(dataset.data_uris), std::to_string(dataset.version)});
    }
    return sources;
  };
}

}  // namespace lakehouse::server
