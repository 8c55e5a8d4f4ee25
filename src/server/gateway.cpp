#include "server/gateway.h"

#include <fmt/format.h>

#include <mutex>

#include "common/log.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "server/health_monitor.h"
#include "server/http_error.h"
#include "server/http_server.h"
#include "server/router.h"
#include "storage/bucket_registry.h"

namespace lakehouse::server {
namespace {

// The services behind the gateway, in the order /health lists them.
constexpr const char* kServices[] = {"storage", "catalog", "query", "journal", "ai", "vector", "tools"};

HttpResponse FromRendered(const std::shared_ptr<const RenderedHealth>& rendered) {
  if (!rendered) return ErrorResponse(503, "starting", "health has not been checked yet; retry in a moment");
  HttpResponse response;
  response.status = rendered->http_status;
  response.body = rendered->body;
  return response;
}

}  // namespace

class Gateway::Impl {
 public:
  explicit Impl(Config c)
      : config(std::move(c)), health(std::chrono::milliseconds(config.server.health_interval_ms)) {}

  void AddRoutes();
  void AddHealthChecks();
  ServiceHealth CountObjects(const char* prefix, const char* field);

  Config config;
  std::unique_ptr<BucketRegistry> buckets;
  std::unique_ptr<engine::Database> database;
  std::mutex probe_mu;  // the probe connection is used by the health thread only, but be explicit
  std::optional<engine::Connection> probe;
  std::mutex bucket_states_mu;
  Json last_bucket_states = Json::object();  // {bucket: {"status", "error"?}} from the last check
  HealthMonitor health;
  Router router;
  std::unique_ptr<HttpServer> http;
  bool stopped = false;
};

ServiceHealth Gateway::Impl::CountObjects(const char* prefix, const char* field) {
  ServiceHealth result;
  auto listed = buckets->primary().List(prefix);
  if (!listed.ok()) {
    result.status = "down";
    result.detail = {{"error", listed.status().message()}};
    return result;
  }
  result.detail = {{field, listed->size()}};
  return result;
}

void Gateway::Impl::AddHealthChecks() {
  health.AddService("storage", [this] {
    ServiceHealth result;
    Json bucket_states = Json::object();
    for (const auto& name : buckets->names()) {
      Status st = buckets->CheckHealth(name);
      bucket_states[name] =
          st.ok() ? Json{{"status", "ok"}} : Json{{"status", "down"}, {"error", st.message()}};
      if (!st.ok())
        result.status = name == "primary" ? "down" : (result.status == "down" ? "down" : "degraded");
    }
    {
      std::lock_guard lock(bucket_states_mu);
      last_bucket_states = bucket_states;
    }
    result.detail = {{"buckets", std::move(bucket_states)}};
    return result;
  });
  health.AddService("catalog", [this] { return CountObjects("_catalog/manifests/", "manifest_objects"); });
  health.AddService("query", [this] {
    ServiceHealth result;
    std::lock_guard lock(probe_mu);
    auto answer = probe->Query("SELECT 42");
    if (!answer.ok()) {
      result.status = "down";
      result.detail = {{"engine", "duckdb"}, {"error", answer.status().message()}};
      return result;
    }
    result.detail = {{"engine", "duckdb"}, {"version", database->Version()}};
    return result;
  });
  health.AddService("journal", [this] { return CountObjects("_journal/events/", "event_batches"); });
  health.AddService("ai", [] {
    ServiceHealth result;
    result.detail = {{"model_profiles", 0}};
    return result;
  });
  health.AddService("vector", [this] { return CountObjects("vectors/", "vector_objects"); });
  health.AddService("tools", [] {
    ServiceHealth result;
    result.detail = {{"tools", 0}};
    return result;
  });
}

void Gateway::Impl::AddRoutes() {
  router.Add("GET", "/", [this](HttpRequest&) {
    Json services = Json::array();
    for (const char* name : kServices) services.push_back(name);
    return HttpResponse::FromJson(200, {{"name", "lakehouse"},
                                        {"version", LAKEHOUSE_VERSION},
                                        {"services", services},
                                        {"health", "/health"},
                                        {"routes", "/routes"}});
  });
  router.Add("GET", "/health", [this](HttpRequest&) { return FromRendered(health.Overall()); });
  for (const char* name : kServices) {
    router.Add("GET", fmt::format("/{}/health", name), [this, service = std::string(name)](HttpRequest&) {
      return FromRendered(health.Service(service));
    });
  }
  router.Add("GET", "/routes", [this](HttpRequest&) {
    return HttpResponse::FromJson(200, {{"routes", router.Describe()}});
  });
  router.Add("GET", "/storage/buckets", [this](HttpRequest&) {
    // Bucket health comes from the last background check: a GET must not write probes.
    Json states;
    {
      std::lock_guard lock(bucket_states_mu);
      states = last_bucket_states;
    }
    Json list = Json::array();
    for (const auto& [name, options] : config.storage.buckets) {
      Json entry = {{"name", name}, {"backend", options.backend}};
      if (states.contains(name)) {
        for (const auto& [k, v] : states[name].items()) entry[k] = v;
      }
      list.push_back(std::move(entry));
    }
    return HttpResponse::FromJson(200, {{"buckets", list}});
  });
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { Shutdown(); }

Result<std::unique_ptr<Gateway>> Gateway::Open(const Config& config) {
  auto impl = std::make_unique<Impl>(config);
  LH_ASSIGN_OR_RETURN(impl->buckets, BucketRegistry::Open(config.storage));

  engine::DatabaseOptions db_options;
  db_options.memory_limit = config.engine.memory_limit;
  db_options.threads = static_cast<uint32_t>(config.engine.threads);
  db_options.extension_dir = config.engine.extension_dir;
  db_options.temp_dir = config.engine.temp_dir;
  auto database = engine::Database::Open(db_options);
  if (!database.ok()) return database.status().WithContext("cannot start the query engine");
  impl->database = std::move(database).value();
  auto probe = engine::Connection::Open(*impl->database);
  if (!probe.ok()) return probe.status().WithContext("cannot connect to the query engine");
  impl->probe.emplace(std::move(probe).value());

  impl->AddHealthChecks();
  impl->AddRoutes();
  HttpServerOptions http_options;
  http_options.host = config.server.host;
  http_options.port = config.server.port;
  http_options.threads = config.server.threads;
  http_options.max_body_bytes = config.server.max_body_bytes;
  http_options.request_timeout = std::chrono::milliseconds(config.server.request_timeout_ms);
  http_options.access_log = config.log.access_log;
  impl->http = std::make_unique<HttpServer>(http_options, impl->router);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Status Gateway::Start() {
  impl_->health.Start();
  return impl_->http->Start();
}

int Gateway::port() const { return impl_->http->port(); }

void Gateway::Shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  int cut = impl_->http->Shutdown(std::chrono::milliseconds(impl_->config.server.shutdown_grace_ms));
  if (cut > 0) log::Warn("connections cut off at the shutdown deadline", {{"connections", cut}});
  impl_->health.Stop();
}

}  // namespace lakehouse::server
