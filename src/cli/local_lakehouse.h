// LocalLakehouse: the buckets, catalog and (optionally) ingester of a config, opened in this
// process -- what the commands that work without a server (ingest, datasets, gc, query) share.
#pragma once

#include <memory>

#include "catalog/catalog.h"
#include "common/config.h"
#include "ingest/ingester.h"
#include "journal/event_journal.h"
#include "storage/bucket_registry.h"

namespace lakehouse::cli {

struct LocalLakehouse {
  std::unique_ptr<BucketRegistry> buckets;
  std::unique_ptr<journal::EventJournal> journal;  //!< every commit records its events here
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<ingest::Ingester> ingester;  //!< only when asked for
};

//! Opens the buckets and the catalog of `config` (and an ingester when `with_ingester`).
//! Returns the first failure: a bucket that cannot be opened, a catalog that cannot be read.
Result<LocalLakehouse> OpenLocalLakehouse(const Config& config, bool with_ingester);

}  // namespace lakehouse::cli
