// The RAG route: answers with citations.
//
//   POST /ai/ask  {"question","index","k"?,"filter"?,"mode"?,"profile"?,"max_tokens"?,"stream"?}
//                 -> {"answer","finish_reason","citations":[{"n","doc_id","chunk_id","score","chunk_text"}],
//                     "index","generation","embed_model","model","retrieval","usage"}
//   With "stream": true, server-sent events: one `citations` event {"citations"}, `token` events
//   {"text"}, then `done` with the whole answer as above (or an `error` event).
#pragma once

#include "server/router.h"
#include "vector/rag_answerer.h"

namespace lakehouse::server {

//! Adds POST /ai/ask. `answerer` must outlive the router.
void RegisterRagRoutes(Router& router, vector::RagAnswerer& answerer);

}  // namespace lakehouse::server
