// OllamaServer: a real Ollama (`ollama serve`, built by scripts/bootstrap from the pinned Go module)
// on a free loopback port, with its model store (OLLAMA_MODELS) and home in a fresh temporary
// directory, for the tests of the Ollama backend. Models are imported from the GGUF files
// bootstrap placed in the cache through a Modelfile (`ollama create`), never pulled from a
// registry. The destructor stops the server and removes the directory.
#pragma once

#include <string>
#include <vector>

#include "support/service_process.h"

namespace lakehouse::ai::testing {

//! Where bootstrap installs the pinned ollama binary (set by CMake).
std::string OllamaBinary();

class OllamaServer {
 public:
  //! Starts `ollama serve` and waits (up to 60 s) until it answers. Check ok() and error().
  OllamaServer();
  ~OllamaServer();
  OllamaServer(const OllamaServer&) = delete;
  OllamaServer& operator=(const OllamaServer&) = delete;

  bool ok() const { return process_.running() && error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  //! "http://127.0.0.1:<port>": the Ollama root URL the backend takes.
  std::string endpoint() const;

  //! Imports `gguf_path` as model `name` with `ollama create name -f Modelfile`, the Modelfile
  //! being "FROM gguf_path" followed by `modelfile_lines`. Returns "" on success, else ollama's
  //! output.
  std::string Create(const std::string& name, const std::string& gguf_path,
                     const std::vector<std::string>& modelfile_lines = {});

  //! Stops the server (SIGKILL), as a crash would.
  void Kill() { process_.Kill(); }

 private:
  std::vector<std::string> Environment() const;

  lakehouse::testing::ServiceProcess process_;
  int port_ = 0;
  std::string dir_;
  std::string error_;
};

}  // namespace lakehouse::ai::testing
