#include "server/worker_pool.h"

#include <algorithm>
#include <utility>

#include "common/log.h"

namespace lakehouse::server {

WorkerPool::WorkerPool(int threads, std::size_t queue_depth) : queue_depth_(queue_depth) {
  const int n = std::max(1, threads);
  threads_.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(Task task) { return Enqueue(std::move(task), true); }

bool WorkerPool::Submit(Task task) { return Enqueue(std::move(task), false); }

bool WorkerPool::Enqueue(Task task, bool bounded) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || (bounded && queue_.size() >= queue_depth_)) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::Run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (stopped_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // A task is a whole request handler; the HTTP layer catches handler exceptions inside it,
    // so one escaping here is a bug, but it must not take the worker (and the process) down.
    try {
      task();
    } catch (const std::exception& err) {
      log::Error("worker task failed", {{"error", err.what()}});
    }
  }
}

void WorkerPool::Stop() {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopped_ && threads_.empty()) return;
    stopped_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  // Dropped tasks may own sessions whose destructors take other locks: destroy them unlocked.
  dropped.clear();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace lakehouse::server
