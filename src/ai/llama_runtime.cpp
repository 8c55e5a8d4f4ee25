#include "ai/llama_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <thread>

#include "common/log.h"

namespace lakehouse::ai {
namespace {

// llama.cpp reports model loading in detail at INFO; keep only its warnings and errors, in
// the project's structured log.
void RouteLlamaLog(ggml_log_level level, const char* text, void* /*user_data*/) {
  if (level != GGML_LOG_LEVEL_WARN && level != GGML_LOG_LEVEL_ERROR) return;
  std::string_view message(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
  if (message.empty()) return;
  if (level == GGML_LOG_LEVEL_ERROR) {
    log::Error("llama.cpp", {{"message", std::string(message)}});
  } else {
    log::Debug("llama.cpp", {{"message", std::string(message)}});
  }
}

void EnsureBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(RouteLlamaLog, nullptr);
    llama_backend_init();
  });
}

}  // namespace

int LlamaThreads(int requested) {
  if (requested > 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

Result<std::shared_ptr<llama_model>> LoadLlamaModel(const std::string& path,
                                                    const std::vector<std::string>& false_keys) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound(fmt::format(
        "model file {} does not exist; run scripts/bootstrap to fetch the default models, or point the "
        "profile's model at a GGUF file",
        path));
  }
  EnsureBackend();
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  std::vector<llama_model_kv_override> overrides;
  for (const auto& key : false_keys) {
    llama_model_kv_override o{};
    o.tag = LLAMA_KV_OVERRIDE_TYPE_BOOL;
    key.copy(o.key, sizeof(o.key) - 1);
    o.val_bool = false;
    overrides.push_back(o);
  }
  if (!overrides.empty()) {
    overrides.push_back(llama_model_kv_override{});  // the list ends with an empty key
    params.kv_overrides = overrides.data();
  }
  llama_model* model = llama_model_load_from_file(path.c_str(), params);
  if (model == nullptr) {
    return Status::InvalidArgument(
        fmt::format("llama.cpp cannot load {}: it is not a GGUF model of an architecture this build "
                    "supports; check the file or pick another model",
                    path));
  }
  return std::shared_ptr<llama_model>(model, llama_model_free);
}

LlamaContextPool::Lease::~Lease() {
  if (ctx_ != nullptr) pool_->Release(ctx_);
}

LlamaContextPool::LlamaContextPool(std::shared_ptr<llama_model> model, llama_context_params params,
                                   int max_contexts)
    : model_(std::move(model)), params_(params), max_contexts_(max_contexts < 1 ? 1 : max_contexts) {}

LlamaContextPool::~LlamaContextPool() {
  for (llama_context* ctx : all_) llama_free(ctx);
}

Result<LlamaContextPool::Lease> LlamaContextPool::Acquire() {
  std::unique_lock lock(mu_);
  while (true) {
    if (!idle_.empty()) {
      llama_context* ctx = idle_.back();
      idle_.pop_back();
      return Lease(this, ctx);
    }
    if (static_cast<int>(all_.size()) < max_contexts_) break;
    freed_.wait(lock);
  }
  // Reserve the slot before creating the context outside the lock (creation takes a while).
  all_.push_back(nullptr);
  lock.unlock();
  llama_context* ctx = llama_init_from_model(model_.get(), params_);
  lock.lock();
  auto slot = std::find(all_.begin(), all_.end(), nullptr);
  if (ctx == nullptr) {
    all_.erase(slot);
    freed_.notify_one();
    return Status::Internal(
        "llama.cpp could not create a model context (out of memory?); lower the profile's batch_size or "
        "context");
  }
  *slot = ctx;
  return Lease(this, ctx);
}

void LlamaContextPool::Release(llama_context* ctx) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(ctx);
  }
  freed_.notify_one();
}

}  // namespace lakehouse::ai
