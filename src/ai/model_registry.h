// ModelRegistry: the model profiles of lakehouse.toml's [ai] section, each turned into an
// Embedder or a Generator the first time a request needs it: embedded llama.cpp (backend =
// "llama"), an OpenAI-compatible server ("openai") or Ollama ("ollama").
//
// Thread-safe. Loading happens once per profile, under that profile's lock, so concurrent first
// requests wait for one load instead of loading twice. A profile that failed to load is retried
// on the next request (the model file may have appeared since).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ai/embedder.h"
#include "ai/generator.h"
#include "common/config.h"
#include "common/json.h"
#include "storage/secrets_provider.h"

namespace lakehouse::ai {

struct RemoteOptions;

class ModelRegistry {
 public:
  //! `secrets` resolves the profiles' secret_refs (API keys of remote servers); null means
  //! env:/file: references (EnvFileSecretsProvider).
  explicit ModelRegistry(AiOptions options, std::shared_ptr<const SecretsProvider> secrets = nullptr);
  ~ModelRegistry();
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  //! The embedder of `profile` ("" = ai.embed_profile). NotFound for an unknown profile,
  //! InvalidArgument for a profile whose task is not embed, Unavailable (naming the profile and
  //! what to do) when its model cannot be loaded or its server cannot be reached.
  Result<Embedder*> GetEmbedder(std::string_view profile);

  //! The generator of `profile` ("" = ai.generate_profile); failures as for GetEmbedder.
  Result<Generator*> GetGenerator(std::string_view profile);

  //! Every profile: name, task, backend, model, version, dims, context, loaded, last error. With
  //! `ask_servers`, each remote profile also gets "server_models" (what its server offers: Ollama's
  //! GET /api/tags, an OpenAI-compatible GET /models) or, when the server cannot say,
  //! "server_error"; each server is asked once, with a short timeout and no retries.
  Json Describe(bool ask_servers = false) const;

  //! How many profiles are loaded and ready.
  int LoadedCount() const;

  const AiOptions& options() const { return options_; }

 private:
  struct Slot;
  Result<Slot*> Find(std::string_view profile, std::string_view task);
  Status Load(Slot& slot);
  Status LoadRemote(Slot& slot);
  Result<RemoteOptions> RemoteOptionsFor(const AiProfileOptions& p) const;
  Result<Json> ListServerModels(const AiProfileOptions& p) const;

  AiOptions options_;
  std::shared_ptr<const SecretsProvider> secrets_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace lakehouse::ai
