// HealthMonitor: runs each service's health check on a background thread and keeps the
// rendered answers, so GET /health costs a pointer copy however often it is called.
//
// AddService before Start; Overall/Service are thread-safe and never block on a check.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"

namespace lakehouse::server {

struct ServiceHealth {
  std::string status = "ok";  //!< ok | degraded | down
  Json detail = Json::object();
};

using HealthCheck = std::function<ServiceHealth()>;

//! A ready-to-send answer.
struct RenderedHealth {
  int http_status = 200;  //!< 200 when ok or degraded, 503 when down
  std::string body;
};

class HealthMonitor {
 public:
  explicit HealthMonitor(std::chrono::milliseconds interval);
  ~HealthMonitor();

  //! Registers a service. A check that throws counts as "down" with the exception's message.
  void AddService(std::string name, HealthCheck check);

  //! Runs every check once (so the first answer is real), then re-checks every interval.
  void Start();
  void Stop();

  //! {"status", "version", "checked_at", "services": {name: {"status", ...detail}}}.
  std::shared_ptr<const RenderedHealth> Overall() const;
  //! {"service", "status", "checked_at", ...detail}, or nullptr for an unknown service.
  std::shared_ptr<const RenderedHealth> Service(const std::string& name) const;

  std::vector<std::string> services() const;

 private:
  struct Snapshot {
    std::shared_ptr<const RenderedHealth> overall;
    std::map<std::string, std::shared_ptr<const RenderedHealth>> services;
  };
  void CheckAll();

  std::chrono::milliseconds interval_;
  std::vector<std::pair<std::string, HealthCheck>> checks_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lakehouse::server
