#include "ollama_server.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <system_error>

namespace lakehouse::ai::testing {

std::string OllamaBinary() { return LAKEHOUSE_OLLAMA_BINARY; }

OllamaServer::OllamaServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "lakehouse-ollama-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  port_ = lakehouse::testing::FreeLoopbackPort();
  if (port_ == 0) {
    error_ = "no free loopback port";
    return;
  }
  lakehouse::testing::ServiceSpec spec;
  spec.name = "ollama";
  spec.argv = {OllamaBinary(), "serve"};
  spec.env = Environment();
  spec.log_path = dir_ + "/ollama.log";
  spec.ready_url = endpoint() + "/";
  error_ = process_.Start(spec);
}

OllamaServer::~OllamaServer() {
  process_.Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string OllamaServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> OllamaServer::Environment() const {
  // Nothing OLLAMA_* from the caller's environment: the server is this test's alone. One request
  // at a time per model and short model lifetimes keep it within the shared test machine's means;
  // both test models may stay loaded at once.
  return lakehouse::testing::ChildEnvironment(
      {"OLLAMA_"}, {"OLLAMA_HOST=127.0.0.1:" + std::to_string(port_), "OLLAMA_MODELS=" + dir_ + "/models",
                    "HOME=" + dir_, "OLLAMA_NUM_PARALLEL=1", "OLLAMA_MAX_LOADED_MODELS=2",
                    "OLLAMA_KEEP_ALIVE=5m", "OLLAMA_NOHISTORY=1", "OLLAMA_NO_CLOUD=1"});
}

std::string OllamaServer::Create(const std::string& name, const std::string& gguf_path,
                                 const std::vector<std::string>& modelfile_lines) {
  const std::string modelfile = dir_ + "/" + name + ".Modelfile";
  {
    std::ofstream out(modelfile);
    out << "FROM " << gguf_path << "\n";
    for (const std::string& line : modelfile_lines) out << line << "\n";
    if (!out) return "cannot write " + modelfile;
  }
  const auto outcome = lakehouse::testing::RunCommand({OllamaBinary(), "create", name, "-f", modelfile},
                                                      Environment(), std::chrono::seconds(300));
  if (outcome.exit_code == 0) return "";
  return "ollama create " + name + " failed (exit " + std::to_string(outcome.exit_code) +
         "): " + outcome.output;
}

}  // namespace lakehouse::ai::testing
