// LlamaModel and LlamaContextPool: the shared plumbing of the embedded llama.cpp backends.
// Internal to the ai module (not a public contract).
//
// A llama_model is read-only after loading and may be used by many contexts at once; a
// llama_context is single-threaded. The pool hands each concurrent call its own context and
// creates contexts lazily up to a limit, so concurrent requests share one copy of the weights.
#pragma once

#include <llama.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace lakehouse::ai {

//! Options shared by the embedded backends.
struct LlamaOptions {
  std::string model_path;   //!< a GGUF file
  int context = 0;          //!< tokens one input may use; 0 means the model's training context
  int batch_tokens = 2048;  //!< tokens one forward pass may hold (embedding batches pack texts)
  int threads = 0;          //!< CPU threads per call; 0 means one per core
  int max_parallel = 2;     //!< contexts (concurrent calls); further calls wait their turn
};

//! Loads the GGUF file at `path` on the CPU, with `false_keys` (boolean metadata keys) read as
//! false whatever the file says. NotFound if the file does not exist, InvalidArgument if
//! llama.cpp cannot read it.
Result<std::shared_ptr<llama_model>> LoadLlamaModel(const std::string& path,
                                                    const std::vector<std::string>& false_keys = {});

//! The number of CPU threads to use for `requested` (0 = one per core).
int LlamaThreads(int requested);

class LlamaContextPool {
 public:
  //! A context on loan; returns to the pool when destroyed.
  class Lease {
   public:
    Lease(LlamaContextPool* pool, llama_context* ctx) : pool_(pool), ctx_(ctx) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), ctx_(other.ctx_) { other.ctx_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    llama_context* get() const { return ctx_; }

   private:
    LlamaContextPool* pool_;
    llama_context* ctx_;
  };

  LlamaContextPool(std::shared_ptr<llama_model> model, llama_context_params params, int max_contexts);
  ~LlamaContextPool();
  LlamaContextPool(const LlamaContextPool&) = delete;
  LlamaContextPool& operator=(const LlamaContextPool&) = delete;

  //! A free context, creating one if fewer than the limit exist, else waiting for one.
  //! Internal if llama.cpp cannot create a context (usually out of memory).
  Result<Lease> Acquire();

 private:
  void Release(llama_context* ctx);

  std::shared_ptr<llama_model> model_;
  llama_context_params params_;
  int max_contexts_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<llama_context*> all_;   // guarded by mu_
  std::vector<llama_context*> idle_;  // guarded by mu_
};

}  // namespace lakehouse::ai
