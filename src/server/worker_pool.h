// WorkerPool: a fixed set of threads that run request handlers off the HTTP I/O threads.
//
// Work waits in a bounded queue. TrySubmit refuses work when the queue is full, so an overloaded
// server answers 503 at once instead of queueing without limit; Submit always queues (for the
// next piece of a response already being served, which must not be dropped halfway).
// Thread-safety: every method may be called from any thread; Stop from one controlling thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lakehouse::server {

class WorkerPool {
 public:
  using Task = std::function<void()>;

  //! Starts `threads` workers (at least 1) with room for `queue_depth` waiting tasks.
  WorkerPool(int threads, std::size_t queue_depth);
  //! Stops (see Stop).
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  //! Queues `task` unless the queue already holds queue_depth tasks or the pool is stopped.
  //! Returns false (and drops the task) in that case.
  bool TrySubmit(Task task);
  //! Queues `task` whatever the queue length; false (task dropped) only once stopped.
  bool Submit(Task task);

  //! Stops taking work, drops the tasks still waiting (destroying them outside the lock), waits
  //! for the running ones to return, and joins the threads. Idempotent.
  void Stop();

  //! Tasks waiting to run (for tests and health).
  std::size_t queued() const;

 private:
  bool Enqueue(Task task, bool bounded);
  void Run();

  const std::size_t queue_depth_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lakehouse::server
