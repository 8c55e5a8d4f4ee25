// The OpenAI-compatible backend: embeddings from POST {endpoint}/embeddings and generation from
// POST {endpoint}/chat/completions (chats) or {endpoint}/completions (raw prompts), streamed as
// server-sent events when the caller streams. Works with llama.cpp's llama-server, vLLM, LocalAI
// and hosted APIs; `endpoint` is the base URL including /v1.
//
// Thread-safe: concurrent calls each make their own HTTP requests.
#pragma once

#include <memory>

#include "ai/embedder.h"
#include "ai/generator.h"
#include "ai/remote_model_server.h"

namespace lakehouse::ai {

//! The models the server offers (GET /models): an array of {"name"} (the OpenAI "id"s). Errors as
//! RemoteModelServer maps them; IOError for an answer without a "data" array.
Result<Json> ListOpenAiModels(RemoteModelServer& server);

//! Embeddings over POST /embeddings. Vectors are L2-normalised here (whatever the server did).
class OpenAiEmbedder final : public Embedder {
 public:
  //! Checks the server with one short embedding, which also tells the dimensions: `info.dims` of 0
  //! is filled in, a different non-zero value is InvalidArgument. Errors as RemoteModelServer maps
  //! them (Unavailable when the server is down).
  static Result<std::unique_ptr<OpenAiEmbedder>> Open(ModelInfo info, RemoteOptions options);

  const ModelInfo& info() const override { return info_; }

  //! Sends the texts in requests of RemoteOptions::texts_per_request. `truncated` is always false:
  //! the API does not say; a server that refuses long input answers InvalidArgument.
  Result<Embeddings> Embed(const std::vector<std::string>& texts) override;

 private:
  OpenAiEmbedder(ModelInfo info, RemoteOptions options);
  Result<std::vector<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts, size_t first,
                                                     size_t count);

  ModelInfo info_;
  RemoteModelServer server_;
};

//! Generation over POST /chat/completions (messages) or /completions (a raw prompt).
class OpenAiGenerator final : public Generator {
 public:
  //! Checks that the server answers GET /models (reachable, key accepted).
  static Result<std::unique_ptr<OpenAiGenerator>> Open(ModelInfo info, RemoteOptions options);

  const ModelInfo& info() const override { return info_; }
  Result<Generation> Generate(const GenerateRequest& request) override;

 private:
  OpenAiGenerator(ModelInfo info, RemoteOptions options);

  ModelInfo info_;
  RemoteModelServer server_;
};

}  // namespace lakehouse::ai
