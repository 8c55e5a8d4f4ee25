#include "llama_server_process.h"

#include <filesystem>

namespace lakehouse::ai::testing {

std::string LlamaServerBinary() { return LAKEHOUSE_LLAMA_SERVER; }

LlamaServerProcess::LlamaServerProcess(const std::string& model_path,
                                       const std::vector<std::string>& extra_args) {
  port_ = lakehouse::testing::FreeLoopbackPort();
  if (port_ == 0) {
    error_ = "no free loopback port";
    return;
  }
  log_ =
      (std::filesystem::temp_directory_path() / ("lakehouse-llama-server-" + std::to_string(port_) + ".log"))
          .string();
  std::filesystem::remove(log_);
  lakehouse::testing::ServiceSpec spec;
  spec.name = "llama-server";
  // One thread and one slot: the test machine's cores are shared with the test itself.
  spec.argv = {LlamaServerBinary(),   "-m", model_path, "--host", "127.0.0.1", "--port",
               std::to_string(port_), "-t", "1",        "-np",    "1",         "--offline"};
  spec.argv.insert(spec.argv.end(), extra_args.begin(), extra_args.end());
  spec.env = lakehouse::testing::ChildEnvironment({"LLAMA_"}, {});
  spec.log_path = log_;
  spec.ready_url = "http://127.0.0.1:" + std::to_string(port_) + "/health";
  spec.ready_timeout = std::chrono::seconds(120);
  error_ = process_.Start(spec);
}

LlamaServerProcess::~LlamaServerProcess() {
  process_.Stop();
  if (error_.empty() && !log_.empty()) std::filesystem::remove(log_);
}

std::string LlamaServerProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

}  // namespace lakehouse::ai::testing
