// ServiceProcess: a third-party server (MinIO, llama-server, Ollama) run by a test as a child
// process on a free loopback port, with its output in a log file, until the test is done with it.
//
// The one place the tests fork such servers: start, wait until an HTTP probe answers 200 (or the
// child exits), stop politely then firmly. The harnesses of the individual servers
// (support/minio_server.h, ai/llama_server_process.h, ai/ollama_server.h) only say how to run
// theirs. Not thread-safe: one test thread owns each ServiceProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace lakehouse::testing {

//! A loopback port nobody listens on right now (bound, then released), or 0 if none could be had.
int FreeLoopbackPort();

//! The HTTP status of HEAD `url`, or 0 when nothing answers within `timeout_ms`.
long ProbeHttpStatus(const std::string& url, long timeout_ms = 1000);

//! This process's environment ("NAME=value" entries) without the variables whose names start with
//! one of `drop_prefixes`, then `set` ("NAME=value") appended; a name in `set` replaces the
//! inherited one.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& drop_prefixes,
                                          const std::vector<std::string>& set);

//! How to run one server.
struct ServiceSpec {
  std::string name;               //!< for messages: "MinIO", "llama-server", "ollama"
  std::vector<std::string> argv;  //!< argv[0] is the binary's path
  std::vector<std::string> env;   //!< the child's whole environment ("NAME=value")
  std::string log_path;           //!< stdout and stderr are appended here
  std::string ready_url;          //!< HEAD answers 200 here once the server is ready
  std::chrono::seconds ready_timeout{60};
};

class ServiceProcess {
 public:
  ServiceProcess() = default;
  //! Stops the server if it runs.
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  //! Starts the server (stopping a previous one first) and waits until `spec.ready_url` answers
  //! 200. Returns "" when ready, else why not (naming the binary or the log to read); a server
  //! that did not get ready is stopped.
  std::string Start(const ServiceSpec& spec);

  //! SIGTERM, up to 5 s for it to exit, then SIGKILL. No-op when not running.
  void Stop();
  //! SIGKILL at once, as a crash would. No-op when not running.
  void Kill();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

//! Result of a command run to completion.
struct CommandOutcome {
  int exit_code = -1;  //!< 128 + signal when killed; -1 when it could not run
  std::string output;  //!< stdout and stderr, interleaved
};

//! Runs `argv` (argv[0] a path) with environment `env` to completion, killing it after `timeout`.
CommandOutcome RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds timeout);

}  // namespace lakehouse::testing
