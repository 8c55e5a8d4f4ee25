// The vector service's HTTP routes: indexes, search, tuning trials.
//
//   POST /vectors/indexes            {"name","dataset","column","id_column"?,"profile"?,"chunking"?,"hnsw"?}
//                                    -> 202 and the index's state; built in the background
//   GET  /vectors/indexes            -> {"indexes": [state...]}
//   GET  /vectors/indexes/{name}     -> {"name","state","progress"?,"error"?,"current"?}
//   POST /vectors/{index}/search     {"text"|"vector","k"?,"ef"?,"filter"?,"columns"?,"mode"?,"exact"?}
//                                    -> {"hits": [{"doc_id","chunk_id","score","chunk_text","columns"?}],
//                                    ...}
//   POST /vectors/{index}/tune
//   {"m"?,"ef_construction"?,"ef_search"?,"k"?,"queries"?,"target_recall"?,"adopt"?}
//                                    -> {"trials", "chosen"}; every trial is appended to the trial journal
//   GET  /hnsw/trials?index=         -> {"trials": [...]} from the journal, oldest first
#pragma once

#include "server/health_monitor.h"
#include "server/router.h"
#include "storage/append_log.h"
#include "vector/vector_store.h"

namespace lakehouse::server {

//! Where HNSW tuning trials are journaled in the primary bucket.
inline constexpr const char* kHnswTrialsPrefix = "_hnsw/trials/";

//! Adds the /vectors and /hnsw routes. `store` and `trials` must outlive the router.
void RegisterVectorRoutes(Router& router, vector::VectorStore& store, AppendLog& trials);

//! The vector service's health: the number of indexes, ready, building and failed.
ServiceHealth VectorServiceHealth(const vector::VectorStore& store);

}  // namespace lakehouse::server
