// The AI service's HTTP routes: embeddings, generation (optionally streamed as server-sent
// events) and the list of model profiles.
//
//   POST /ai/embed     {"texts": [...], "profile"?}  -> {"profile","model","version","dims",
//                                                        "embeddings","truncated"}
//   POST /ai/generate  {"prompt" | "messages", "profile"?, "stream"?, "max_tokens"?,
//                       "temperature"?, "seed"?}      -> {"profile","model","version","text",
//                                                        "finish_reason","usage"}
//   GET  /ai/models                                   -> {"embed_profile","generate_profile","profiles"}
#pragma once

#include "ai/model_registry.h"
#include "server/health_monitor.h"
#include "server/router.h"

namespace lakehouse::server {

//! Adds the /ai routes. `models` must outlive the router.
void RegisterAiRoutes(Router& router, ai::ModelRegistry& models);

//! The ai service's health: ok, with the profiles and how many are loaded.
ServiceHealth AiServiceHealth(const ai::ModelRegistry& models);

}  // namespace lakehouse::server
