#include "llama_server_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace lakehouse::ai::testing {
namespace {

long ProbeStatus(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

}  // namespace

std::string LlamaServerBinary() { return LAKEHOUSE_LLAMA_SERVER; }

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

LlamaServerProcess::LlamaServerProcess(const std::string& model_path,
                                       const std::vector<std::string>& extra_args) {
  const std::string binary = LlamaServerBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    error_ = "llama-server is not installed at " + binary + "; run scripts/bootstrap";
    return;
  }
  port_ = FreeLoopbackPort();
  if (port_ == 0) {
    error_ = "no free loopback port";
    return;
  }
  log_ =
      (std::filesystem::temp_directory_path() / ("lakehouse-llama-server-" + std::to_string(port_) + ".log"))
          .string();
  // One thread and one slot: the test machine's cores are shared with the test itself.
  std::vector<std::string> args = {
      binary, "-m", model_path, "--host", "127.0.0.1", "--port", std::to_string(port_),
      "-t",   "1",  "-np",      "1",      "--offline"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return;
  }
  if (pid == 0) {
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const std::string health = "http://127.0.0.1:" + std::to_string(port_) + "/health";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "llama-server exited during start; see " + log_;
      return;
    }
    if (ProbeStatus(health) == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error_ = "llama-server did not become ready within 120 s; see " + log_;
}

LlamaServerProcess::~LlamaServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && pid_ > 0; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
      if (pid_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) Kill();
  }
  if (error_.empty() && !log_.empty()) std::filesystem::remove(log_);
}

void LlamaServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string LlamaServerProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

}  // namespace lakehouse::ai::testing
