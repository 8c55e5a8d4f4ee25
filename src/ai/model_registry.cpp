#include "ai/model_registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "ai/llama_embedder.h"
#include "ai/llama_generator.h"
#include "ai/ollama_backend.h"
#include "ai/openai_backend.h"

namespace lakehouse::ai {

struct ModelRegistry::Slot {
  AiProfileOptions profile;
  mutable std::mutex mu;
  std::unique_ptr<Embedder> embedder;    // guarded by mu until set, immutable after
  std::unique_ptr<Generator> generator;  // guarded by mu until set, immutable after
  std::string last_error;                // guarded by mu
};

ModelRegistry::ModelRegistry(AiOptions options, std::shared_ptr<const SecretsProvider> secrets)
    : options_(std::move(options)), secrets_(std::move(secrets)) {
  if (!secrets_) secrets_ = std::make_shared<EnvFileSecretsProvider>();
  for (const auto& [name, profile] : options_.profiles) {
    auto slot = std::make_unique<Slot>();
    slot->profile = profile;
    slots_.push_back(std::move(slot));
  }
}

ModelRegistry::~ModelRegistry() = default;

Result<ModelRegistry::Slot*> ModelRegistry::Find(std::string_view profile, std::string_view task) {
  std::string name(profile);
  if (name.empty()) name = task == "embed" ? options_.embed_profile : options_.generate_profile;
  for (auto& slot : slots_) {
    if (slot->profile.name != name) continue;
    if (slot->profile.task != task) {
      return Status::InvalidArgument(
          fmt::format("profile '{}' is a {} profile and cannot {}; pick a {} profile", name,
                      slot->profile.task, task, task));
    }
    return slot.get();
  }
  std::string known;
  for (const auto& slot : slots_) {
    if (slot->profile.task == task) known += (known.empty() ? "" : ", ") + slot->profile.name;
  }
  return Status::NotFound(fmt::format(
      "no model profile named '{}' (profiles that can {}: {}); see GET /ai/models", name, task, known));
}

namespace {

// Opens the embedder or generator of a remote profile (openai | ollama).
template <typename Embed, typename Generate>
Status OpenRemote(const AiProfileOptions& p, ModelInfo info, RemoteOptions remote,
                  std::unique_ptr<Embedder>& embedder, std::unique_ptr<Generator>& generator) {
  if (p.task == "embed") {
    LH_ASSIGN_OR_RETURN(embedder, Embed::Open(std::move(info), std::move(remote)));
  } else {
    LH_ASSIGN_OR_RETURN(generator, Generate::Open(std::move(info), std::move(remote)));
  }
  return Status::OK();
}

}  // namespace

Result<RemoteOptions> ModelRegistry::RemoteOptionsFor(const AiProfileOptions& p) const {
  RemoteOptions remote;
  remote.endpoint = p.endpoint;
  remote.http.request_timeout_ms = p.timeout_ms;
  remote.http.max_attempts = p.max_attempts;
  remote.texts_per_request = std::min(p.batch_size, options_.max_texts);
  if (!p.secret_ref.empty()) {
    LH_ASSIGN_OR_RETURN(remote.api_key, secrets_->ResolveToken(p.secret_ref));
  }
  return remote;
}

Status ModelRegistry::LoadRemote(Slot& slot) {
  const AiProfileOptions& p = slot.profile;
  ModelInfo info{p.name, p.backend, p.model, p.version, p.dims, p.context};
  LH_ASSIGN_OR_RETURN(RemoteOptions remote, RemoteOptionsFor(p));
  if (p.backend == "openai") {
    return OpenRemote<OpenAiEmbedder, OpenAiGenerator>(p, std::move(info), std::move(remote), slot.embedder,
                                                       slot.generator);
  }
  return OpenRemote<OllamaEmbedder, OllamaGenerator>(p, std::move(info), std::move(remote), slot.embedder,
                                                     slot.generator);
}

Status ModelRegistry::Load(Slot& slot) {
  const AiProfileOptions& p = slot.profile;
  if (p.backend != "llama") {
    Status st = LoadRemote(slot);
    slot.last_error = st.ok() ? std::string() : st.message();
    if (st.ok()) return st;
    // As for embedded models: the request was fine, the profile's server is what fails.
    return Status::Unavailable(fmt::format("model profile '{}' is unavailable: {}", p.name, st.message()));
  }
  ModelInfo info{p.name, p.backend, p.model, p.version, p.dims, p.context};
  LlamaOptions options;
  options.model_path = p.path;
  options.context = p.context;
  options.batch_tokens = p.batch_size;
  // One thread per core in all: ggml's workers spin while they wait, so more threads than cores
  // (parallel calls times threads each) slows every call down.
  options.threads =
      options_.threads > 0 ? options_.threads : std::max(1, LlamaThreads(0) / std::max(1, p.parallel));
  options.max_parallel = p.parallel;
  Status st;
  if (p.task == "embed") {
    auto opened = LlamaEmbedder::Open(std::move(info), options);
    if (opened.ok()) slot.embedder = std::move(opened).value();
    st = opened.status();
  } else {
    auto opened = LlamaGenerator::Open(std::move(info), options);
    if (opened.ok()) slot.generator = std::move(opened).value();
    st = opened.status();
  }
  if (st.ok()) {
    slot.last_error.clear();
    return st;
  }
  slot.last_error = st.message();
  // The request was fine; the model is what is missing, so callers see "unavailable".
  return Status::Unavailable(fmt::format("model profile '{}' is unavailable: {}", p.name, st.message()));
}

Result<Embedder*> ModelRegistry::GetEmbedder(std::string_view profile) {
  LH_ASSIGN_OR_RETURN(Slot * slot, Find(profile, "embed"));
  std::lock_guard lock(slot->mu);
  if (!slot->embedder) LH_RETURN_IF_ERROR(Load(*slot));
  return slot->embedder.get();
}

Result<Generator*> ModelRegistry::GetGenerator(std::string_view profile) {
  LH_ASSIGN_OR_RETURN(Slot * slot, Find(profile, "generate"));
  std::lock_guard lock(slot->mu);
  if (!slot->generator) LH_RETURN_IF_ERROR(Load(*slot));
  return slot->generator.get();
}

Result<Json> ModelRegistry::ListServerModels(const AiProfileOptions& p) const {
  LH_ASSIGN_OR_RETURN(RemoteOptions remote, RemoteOptionsFor(p));
  // A listing is a quick look, not a request to wait for: a server that is slow or down says so.
  remote.http.connect_timeout_ms = std::min(remote.http.connect_timeout_ms, 2000);
  remote.http.request_timeout_ms = std::min(remote.http.request_timeout_ms, 5000);
  remote.http.max_attempts = 1;
  RemoteModelServer server({p.name, p.backend, p.model, p.version, p.dims, p.context}, std::move(remote));
  return p.backend == "ollama" ? ListOllamaModels(server) : ListOpenAiModels(server);
}

Json ModelRegistry::Describe(bool ask_servers) const {
  Json list = Json::array();
  for (const auto& slot : slots_) {
    const AiProfileOptions& p = slot->profile;
    Json entry;
    {
      std::lock_guard lock(slot->mu);
      const ModelInfo* info = slot->embedder    ? &slot->embedder->info()
                              : slot->generator ? &slot->generator->info()
                                                : nullptr;
      entry = {{"name", p.name},
               {"task", p.task},
               {"backend", p.backend},
               {"model", p.model},
               {"version", p.version},
               {"dims", info != nullptr ? info->dims : p.dims},
               {"context", info != nullptr ? info->context : p.context},
               {"loaded", info != nullptr},
               {"default", p.name == options_.embed_profile || p.name == options_.generate_profile}};
      if (!slot->last_error.empty()) entry["error"] = slot->last_error;
    }
    // Outside the profile's lock: requests that use the profile need not wait for the listing.
    if (ask_servers && p.backend != "llama") {
      auto listed = ListServerModels(p);
      if (listed.ok()) {
        entry["server_models"] = std::move(listed).value();
      } else {
        entry["server_error"] = listed.status().message();
      }
    }
    list.push_back(std::move(entry));
  }
  return list;
}

int ModelRegistry::LoadedCount() const {
  int loaded = 0;
  for (const auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    if (slot->embedder || slot->generator) ++loaded;
  }
  return loaded;
}

}  // namespace lakehouse::ai
