#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

namespace lakehouse::testing {
namespace {

// The child's environment: PATH and HOME from ours, nothing LAKEHOUSE_* unless asked for,
// sanitizer options passed through; a variable in `extra` replaces the inherited one.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (const char* name :
       {"PATH", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "TMPDIR"}) {
    if (extra.count(name) != 0) continue;
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& cwd, int out_fd, int err_fd) {
  std::vector<std::string> argv_storage;
  argv_storage.push_back(LakehouseBinary());
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage = ChildEnvironment(env);
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string LakehouseBinary() { return LAKEHOUSE_BINARY; }

CommandResult RunLakehouse(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, const std::string& cwd) {
  CommandResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return result;
  pid_t pid = Spawn(args, env, cwd, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Small outputs only: read stderr on a thread so neither pipe can fill and block the child.
  std::thread err_reader([&] { result.err = ReadAll(err_pipe[0]); });
  result.out = ReadAll(out_pipe[0]);
  err_reader.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  return result;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::map<std::string, std::string> env) {
  char tmpl[] = "/tmp/lakehouse-e2e-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  data_dir_ = tmpl;
  std::vector<std::string> args = {"serve", "--port", "0"};
  if (std::find(extra_args.begin(), extra_args.end(), "--data-dir") == extra_args.end()) {
    args.insert(args.end(), {"--data-dir", data_dir_ + "/data"});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int err_pipe[2];
  if (pipe(err_pipe) != 0) {
    error_ = "pipe failed";
    return;
  }
  int devnull = open("/dev/null", O_WRONLY);
  pid_ = Spawn(args, env, data_dir_, devnull, err_pipe[1]);
  close(devnull);
  close(err_pipe[1]);
  stderr_fd_ = err_pipe[0];
  fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t scanned = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Drain(std::chrono::milliseconds(100));
    size_t nl;
    while ((nl = logs_.find('\n', scanned)) != std::string::npos) {
      std::string line = logs_.substr(scanned, nl - scanned);
      scanned = nl + 1;
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object() && parsed.value("msg", "") == "listening") {
        port_ = parsed.value("port", 0);
        return;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      Drain(std::chrono::milliseconds(0));
      error_ =
          "lakehouse exited with code " + std::to_string(ExitCodeOf(status)) + " before listening: " + logs_;
      pid_ = -1;
      return;
    }
  }
  error_ = "lakehouse did not report listening within 60 s: " + logs_;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
  if (stderr_fd_ >= 0) close(stderr_fd_);
  if (!data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

void ServerProcess::Drain(std::chrono::milliseconds wait) {
  if (stderr_fd_ < 0) return;
  pollfd pfd{stderr_fd_, POLLIN, 0};
  poll(&pfd, 1, static_cast<int>(wait.count()));
  char buf[65536];
  ssize_t n;
  while ((n = read(stderr_fd_, buf, sizeof buf)) > 0) logs_.append(buf, static_cast<size_t>(n));
}

std::string ServerProcess::Logs() {
  Drain(std::chrono::milliseconds(0));
  return logs_;
}

int ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Drain(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      Drain(std::chrono::milliseconds(0));
      return ExitCodeOf(status);
    }
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -2;  // did not stop in time
}

}  // namespace lakehouse::testing
