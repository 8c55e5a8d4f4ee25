// LlamaServerProcess: llama.cpp's own HTTP server (llama-server, built by scripts/bootstrap from
// the same pinned source as the embedded backend) run as a child process on a free loopback port,
// for the tests of the OpenAI-compatible backend. The destructor stops it.
#pragma once

#include <string>
#include <vector>

#include "support/service_process.h"

namespace lakehouse::ai::testing {

//! Where bootstrap installs llama-server (set by CMake).
std::string LlamaServerBinary();

class LlamaServerProcess {
 public:
  //! Starts `llama-server -m model_path extra_args...` on a free loopback port and waits (up to
  //! 120 s) until GET /health answers 200. Check ok() and error().
  LlamaServerProcess(const std::string& model_path, const std::vector<std::string>& extra_args);
  //! Stops the server; removes its log unless it failed to start.
  ~LlamaServerProcess();
  LlamaServerProcess(const LlamaServerProcess&) = delete;
  LlamaServerProcess& operator=(const LlamaServerProcess&) = delete;

  bool ok() const { return process_.running() && error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  //! "http://127.0.0.1:<port>/v1": the OpenAI-compatible base URL.
  std::string endpoint() const;
  //! Stops the server (SIGKILL), as a crash would.
  void Kill() { process_.Kill(); }

 private:
  lakehouse::testing::ServiceProcess process_;
  int port_ = 0;
  std::string log_;
  std::string error_;
};

}  // namespace lakehouse::ai::testing
