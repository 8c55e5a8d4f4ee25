#include "server/health_monitor.h"

#include <fmt/format.h>

#include <ctime>

namespace lakehouse::server {
namespace {

std::string NowIso() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int Rank(const std::string& status) { return status == "down" ? 2 : status == "degraded" ? 1 : 0; }

}  // namespace

HealthMonitor::HealthMonitor(std::chrono::milliseconds interval) : interval_(interval) {}

HealthMonitor::~HealthMonitor() { Stop(); }

void HealthMonitor::AddService(std::string name, HealthCheck check) {
  checks_.emplace_back(std::move(name), std::move(check));
}

void HealthMonitor::Start() {
  CheckAll();
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      CheckAll();
      lock.lock();
    }
  });
}

void HealthMonitor::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthMonitor::CheckAll() {
  auto snapshot = std::make_shared<Snapshot>();
  const std::string checked_at = NowIso();
  Json services = Json::object();
  std::string worst = "ok";
  for (const auto& [name, check] : checks_) {
    ServiceHealth health;
    try {
      health = check();
    } catch (const std::exception& err) {
      health.status = "down";
      health.detail = {{"error", err.what()}};
    }
    if (Rank(health.status) > Rank(worst)) worst = health.status;
    Json one = {{"status", health.status}};
    if (health.detail.is_object()) {
      for (const auto& [k, v] : health.detail.items()) one[k] = v;
    }
    services[name] = one;

    Json body = {{"service", name}, {"status", health.status}, {"checked_at", checked_at}};
    for (const auto& [k, v] : one.items()) body[k] = v;
    auto rendered = std::make_shared<RenderedHealth>();
    rendered->http_status = health.status == "down" ? 503 : 200;
    rendered->body = ToJsonText(body);
    snapshot->services[name] = std::move(rendered);
  }
  Json overall = {{"status", worst},
                  {"version", LAKEHOUSE_VERSION},
                  {"checked_at", checked_at},
                  {"services", std::move(services)}};
  auto rendered = std::make_shared<RenderedHealth>();
  rendered->http_status = worst == "down" ? 503 : 200;
  rendered->body = ToJsonText(overall);
  snapshot->overall = std::move(rendered);
  snapshot_.store(std::move(snapshot));
}

std::shared_ptr<const RenderedHealth> HealthMonitor::Overall() const {
  auto snapshot = snapshot_.load();
  return snapshot ? snapshot->overall : nullptr;
}

std::shared_ptr<const RenderedHealth> HealthMonitor::Service(const std::string& name) const {
  auto snapshot = snapshot_.load();
  if (!snapshot) return nullptr;
  auto it = snapshot->services.find(name);
  return it == snapshot->services.end() ? nullptr : it->second;
}

std::vector<std::string> HealthMonitor::services() const {
  std::vector<std::string> names;
  for (const auto& [name, check] : checks_) names.push_back(name);
  return names;
}

}  // namespace lakehouse::server
