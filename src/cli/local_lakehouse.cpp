#include "cli/local_lakehouse.h"

#include "server/journal_routes.h"

namespace lakehouse::cli {

Result<LocalLakehouse> OpenLocalLakehouse(const Config& config, bool with_ingester) {
  LocalLakehouse opened;
  LH_ASSIGN_OR_RETURN(opened.buckets, BucketRegistry::Open(config.storage));
  catalog::CatalogOptions catalog_options;
  catalog_options.engine.memory_limit = config.engine.memory_limit;
  catalog_options.engine.threads = static_cast<std::uint32_t>(config.engine.threads);
  catalog_options.engine.extension_dir = config.engine.extension_dir;
  catalog_options.engine.temp_dir = config.engine.temp_dir;
  catalog_options.scratch_dir = config.engine.temp_dir;
  catalog_options.writer_lease_ttl = std::chrono::seconds(config.catalog.writer_lease_ttl_s);
  LH_ASSIGN_OR_RETURN(opened.journal, journal::EventJournal::Open(opened.buckets->primary()));
  catalog_options.before_commit = server::JournalCommitHook(*opened.journal);
  LH_ASSIGN_OR_RETURN(opened.catalog, catalog::Catalog::Open(*opened.buckets, catalog_options));
  if (with_ingester) {
    ingest::IngestOptions ingest_options;
    ingest_options.engine = catalog_options.engine;
    ingest_options.scratch_dir = config.engine.temp_dir;
    LH_ASSIGN_OR_RETURN(opened.ingester,
                        ingest::Ingester::Create(*opened.catalog, *opened.buckets, ingest_options));
  }
  return opened;
}

}  // namespace lakehouse::cli
