// The catalog service's HTTP routes: list, show, patch and version datasets, and ingest files.
//
//   GET   /datasets?tag=&owner=&sensitivity=&stale=true|false
//   GET   /datasets/{name}
//   PATCH /datasets/{name}                 body: metadata fields (see catalog::MetadataPatchFromJson)
//   GET   /datasets/{name}/versions
//   POST  /datasets/{name}/ingest?format=csv|json|parquet&owner=&source_system=&description=
//         &tags=a,b&freshness_sla=24h&bucket=   body: the file (spooled to a scratch file first)
//
// The ingest route is an upload route: the server streams its body (Content-Length or chunked)
// to a scratch file, bounded by server.max_upload_bytes, so a file of any size never sits whole
// in memory; an upload cut short is discarded before the handler runs.
// Handlers are safe to run on many threads (the catalog and ingester are).
#pragma once

#include "catalog/catalog.h"
#include "ingest/ingester.h"
#include "server/router.h"

namespace lakehouse::server {

//! Adds the dataset routes to `router`. `catalog` and `ingester` must outlive the router.
void RegisterDatasetRoutes(Router& router, catalog::Catalog& catalog, ingest::Ingester& ingester,
                           const std::string& scratch_dir);

}  // namespace lakehouse::server
