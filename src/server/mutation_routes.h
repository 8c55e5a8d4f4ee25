// The mutation service's HTTP routes: row upserts and deletes, and compaction.
//
//   POST /datasets/{name}/rows     {"upsert": [{..}], "delete": [key, ..], "actor", "source",
//                                   "workspace_id"?}  -> 200 {"dataset", "upserted", "deleted",
//                                   "field_changes", "compacted"}
//   POST /datasets/{name}/compact  {"actor"?, "source"?} (body optional) -> 200 {"dataset",
//                                   "deltas_merged", "unchanged"}
//
// 400 for a bad body, a dataset without a primary key, unknown or mistyped columns; 404 for an
// unknown dataset; 409 while another writer (this or another process) holds the dataset.
// Handlers are safe to run on many threads.
#pragma once

#include "mutation/mutation_service.h"
#include "server/router.h"

namespace lakehouse::server {

//! Adds the mutation routes to `router`. `service` must outlive the router.
void RegisterMutationRoutes(Router& router, mutation::MutationService& service);

}  // namespace lakehouse::server
