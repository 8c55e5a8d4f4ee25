#include "support/minio_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace lakehouse::testing {
namespace {

std::string RandomToken(size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kAlphabet[pick(device)];
  return out;
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

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

std::string MinioBinary() { return LAKEHOUSE_MINIO_BINARY; }

MinioServer::MinioServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "lakehouse-minio-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  credentials_.access_key = "lh" + RandomToken(14);
  credentials_.secret_key = RandomToken(32);
  port_ = FreeLoopbackPort();
  if (port_ == 0) {
    error_ = "no free loopback port";
    return;
  }
  Start();
}

MinioServer::~MinioServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string MinioServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool MinioServer::Start() {
  error_.clear();
  const std::string binary = MinioBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    error_ = "MinIO is not installed at " + binary + "; run scripts/bootstrap";
    return false;
  }
  // The child's environment: ours minus any MINIO_* settings, plus the server's own.
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (std::string_view(*entry).starts_with("MINIO_")) continue;
    env.emplace_back(*entry);
  }
  env.push_back("MINIO_ROOT_USER=" + credentials_.access_key);
  env.push_back("MINIO_ROOT_PASSWORD=" + credentials_.secret_key);
  env.emplace_back("MINIO_BROWSER=off");
  env.emplace_back("MINIO_UPDATE=off");
  env.emplace_back("MINIO_DOMAIN=localhost");  // lets virtual-host-style requests (bucket.localhost) work
  env.push_back("HOME=" + dir_);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const std::string address = "127.0.0.1:" + std::to_string(port_);
  const std::string data = dir_ + "/data";
  const std::string log = dir_ + "/minio.log";
  std::vector<std::string> args = {binary, "server", "--quiet", "--address", address, data};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "MinIO exited during start; see " + log;
      return false;
    }
    if (ProbeStatus(endpoint() + "/minio/health/ready") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error_ = "MinIO did not become ready within 60 s; see " + log;
  return false;
}

S3Options MinioServer::Options(const std::string& remote_bucket) const {
  S3Options options;
  options.endpoint = endpoint();
  options.bucket = remote_bucket;
  options.connect_timeout_ms = 2000;
  options.request_timeout_ms = 30000;
  options.max_attempts = 3;
  options.backoff_initial_ms = 50;
  options.backoff_max_ms = 400;
  return options;
}

std::unique_ptr<S3ObjectStore> MinioServer::Store(const std::string& remote_bucket, bool create,
                                                  const std::string& name) const {
  auto store = S3ObjectStore::Open(name, Options(remote_bucket), credentials_);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  if (create) {
    if (Status made = (*store)->CreateBucket(); !made.ok()) {
      ADD_FAILURE() << made.ToString();
      return nullptr;
    }
  }
  return std::move(store).value();
}

void MinioServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool MinioServer::Restart() {
  Kill();
  return Start();
}

}  // namespace lakehouse::testing
