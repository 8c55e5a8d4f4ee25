#include "support/service_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string_view>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX

namespace lakehouse::testing {
namespace {

// argv/envp arrays pointing into `storage`, which must outlive them.
std::vector<char*> CArray(std::vector<std::string>& storage) {
  std::vector<char*> out;
  out.reserve(storage.size() + 1);
  for (std::string& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Forks and execs; the child's stdin is /dev/null and its stdout and stderr go to `out_fd`.
// Everything the child needs is prepared before fork (only async-signal-safe calls after it).
pid_t Spawn(std::vector<std::string> argv_storage, std::vector<std::string> env_storage, int out_fd) {
  std::vector<char*> argv = CArray(argv_storage);
  std::vector<char*> envp = CArray(env_storage);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (devnull >= 0) ::close(devnull);
  return pid;
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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

long ProbeHttpStatus(const std::string& url, long timeout_ms) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return 0;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // loopback only, whatever the environment says
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

std::vector<std::string> ChildEnvironment(const std::vector<std::string>& drop_prefixes,
                                          const std::vector<std::string>& set) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item(*entry);
    const std::string_view name = item.substr(0, item.find('='));
    bool drop = false;
    for (const std::string& prefix : drop_prefixes) drop = drop || name.starts_with(prefix);
    for (const std::string& s : set) drop = drop || s.substr(0, s.find('=')) == name;
    if (!drop) env.emplace_back(item);
  }
  env.insert(env.end(), set.begin(), set.end());
  return env;
}

ServiceProcess::~ServiceProcess() { Stop(); }

std::string ServiceProcess::Start(const ServiceSpec& spec) {
  Stop();
  if (spec.argv.empty() || ::access(spec.argv[0].c_str(), X_OK) != 0) {
    return spec.name + " is not installed at " + (spec.argv.empty() ? "?" : spec.argv[0]) +
           "; run scripts/bootstrap";
  }
  const int log = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return "cannot open " + spec.log_path;
  const pid_t pid = Spawn(spec.argv, spec.env, log);
  ::close(log);
  if (pid < 0) return "fork failed";
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + spec.ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return spec.name + " exited with code " + std::to_string(ExitCodeOf(status)) + " during start; see " +
             spec.log_path;
    }
    if (ProbeHttpStatus(spec.ready_url) == 200) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Stop();
  return spec.name + " did not become ready within " + std::to_string(spec.ready_timeout.count()) +
         " s; see " + spec.log_path;
}

void ServiceProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

CommandOutcome RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds timeout) {
  CommandOutcome outcome;
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return outcome;
  const pid_t pid = Spawn(argv, env, fds[1]);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return outcome;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false;
  char buffer[4096];
  for (;;) {  // read until the child closes its end (it exited), or kill it at the deadline
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
      outcome.output += "\n[killed after " + std::to_string(timeout.count()) + " s]";
    }
    pollfd pfd{fds[0], POLLIN, 0};
    ::poll(&pfd, 1, killed ? 1000 : static_cast<int>(std::min<long>(left.count(), 1000)));
    if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      if (killed) break;  // a grandchild may hold the pipe open; the child itself is gone
      continue;
    }
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    outcome.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.exit_code = ExitCodeOf(status);
  return outcome;
}

}  // namespace lakehouse::testing
