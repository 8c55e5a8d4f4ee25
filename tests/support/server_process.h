// ServerProcess: runs the real `lakehouse` binary as a child process for end-to-end tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace lakehouse::testing {

//! The lakehouse binary under test (set by CMake).
std::string LakehouseBinary();

//! Result of a command run to completion.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

//! Runs `lakehouse args...` with `env` added to a clean environment, waits for it to exit.
CommandResult RunLakehouse(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {}, const std::string& cwd = "");

class ServerProcess {
 public:
  //! Starts `lakehouse serve --port 0 --data-dir <fresh temp dir> extra_args...` (no default
  //! --data-dir when extra_args has one) and waits for its "listening" log line. Check ok() and
  //! error() afterwards.
  explicit ServerProcess(std::vector<std::string> extra_args = {},
                         std::map<std::string, std::string> env = {});
  ~ServerProcess();

  bool ok() const { return port_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }

  //! Sends `signal` and waits for exit; returns the exit code (or 128+signal if killed).
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  //! Everything the server wrote to stderr so far (its logs).
  std::string Logs();

 private:
  void Drain(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  std::string logs_;
  std::string error_;
  std::string data_dir_;
};

}  // namespace lakehouse::testing
