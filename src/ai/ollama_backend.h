// The Ollama backend: embeddings from POST {endpoint}/api/embed, generation from POST
// {endpoint}/api/chat (chats) or /api/generate (raw prompts, sent with "raw": true), streamed as
// newline-delimited JSON when the caller streams; GET /api/tags checks that the model is there.
// `endpoint` is the server's root URL, e.g. http://127.0.0.1:11434.
//
// Thread-safe: concurrent calls each make their own HTTP requests.
#pragma once

#include <memory>

#include "ai/embedder.h"
#include "ai/generator.h"
#include "ai/remote_model_server.h"

namespace lakehouse::ai {

//! The models the server has (GET /api/tags): an array of {"name", "size" (bytes), "family",
//! "parameter_size", "quantization"}, the last three as Ollama reports them ("" when it does not).
//! Errors as RemoteModelServer maps them; IOError for an answer without a "models" array.
Result<Json> ListOllamaModels(RemoteModelServer& server);

//! FailedPrecondition (naming `ollama pull`) unless GET /api/tags lists `model` (a name without a
//! tag matches its ":latest").
Status CheckOllamaHasModel(RemoteModelServer& server, const std::string& model);

//! Embeddings over POST /api/embed. Vectors are L2-normalised here (whatever the server did).
class OllamaEmbedder final : public Embedder {
 public:
  //! Checks the model is on the server and embeds one short text to learn the dimensions:
  //! `info.dims` of 0 is filled in, a different non-zero value is InvalidArgument.
  static Result<std::unique_ptr<OllamaEmbedder>> Open(ModelInfo info, RemoteOptions options);

  const ModelInfo& info() const override { return info_; }

  //! Sends the texts in requests of RemoteOptions::texts_per_request. Ollama truncates long
  //! input to the model's context without saying so, so `truncated` is always false.
  Result<Embeddings> Embed(const std::vector<std::string>& texts) override;

 private:
  OllamaEmbedder(ModelInfo info, RemoteOptions options);
  Result<std::vector<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts, size_t first,
                                                     size_t count);

  ModelInfo info_;
  RemoteModelServer server_;
};

//! Generation over POST /api/chat (messages) or /api/generate (a raw prompt).
class OllamaGenerator final : public Generator {
 public:
  //! Checks the model is on the server.
  static Result<std::unique_ptr<OllamaGenerator>> Open(ModelInfo info, RemoteOptions options);

  const ModelInfo& info() const override { return info_; }
  Result<Generation> Generate(const GenerateRequest& request) override;

 private:
  OllamaGenerator(ModelInfo info, RemoteOptions options);

  ModelInfo info_;
  RemoteModelServer server_;
};

}  // namespace lakehouse::ai
