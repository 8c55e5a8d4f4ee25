// LlamaServerProcess: llama.cpp's own HTTP server (llama-server, built by scripts/bootstrap from
// the same pinned source as the embedded backend) run as a child process on a free loopback port,
// for the tests of the OpenAI-compatible backend. The destructor stops it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace lakehouse::ai::testing {

//! Where bootstrap installs llama-server (set by CMake).
std::string LlamaServerBinary();

class LlamaServerProcess {
 public:
  //! Starts `llama-server -m model_path extra_args...` on a free loopback port and waits (up to
  //! 120 s) until GET /health answers 200. Check ok() and error().
  LlamaServerProcess(const std::string& model_path, const std::vector<std::string>& extra_args);
  ~LlamaServerProcess();
  LlamaServerProcess(const LlamaServerProcess&) = delete;
  LlamaServerProcess& operator=(const LlamaServerProcess&) = delete;

  bool ok() const { return pid_ > 0 && error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  //! "http://127.0.0.1:<port>/v1": the OpenAI-compatible base URL.
  std::string endpoint() const;
  //! Stops the server (SIGKILL), as a crash would.
  void Kill();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
  std::string error_;
};

//! A loopback port nobody listens on (bound, then released).
int FreeLoopbackPort();

}  // namespace lakehouse::ai::testing
