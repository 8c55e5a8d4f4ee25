#include "server/gateway.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "catalog/catalog.h"
#include "common/log.h"
#include "demo/staffing_demo.h"
#include "engine/database.h"
#include "ingest/ingester.h"
#include "journal/event_journal.h"
#include "mutation/mutation_service.h"
#include "query/query_service.h"
#include "server/ai_routes.h"
#include "server/catalog_tables.h"
#include "server/dataset_routes.h"
#include "server/health_monitor.h"
#include "server/http_error.h"
#include "server/http_server.h"
#include "server/journal_routes.h"
#include "server/mutation_routes.h"
#include "server/query_routes.h"
#include "server/rag_routes.h"
#include "server/router.h"
#include "server/storage_routes.h"
#include "server/vector_routes.h"
#include "storage/append_log.h"
#include "storage/bucket_registry.h"
#include "vector/rag_answerer.h"
#include "vector/vector_store.h"

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
  void StartDemoIndex();
  ServiceHealth CountObjects(const char* prefix, const char* field);

  Config config;
  std::unique_ptr<BucketRegistry> buckets;
  std::unique_ptr<journal::EventJournal> journal;  // _journal/events/: every change, forever
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<ingest::Ingester> ingester;
  std::unique_ptr<mutation::MutationService> mutations;  // row upserts/deletes, compaction
  std::unique_ptr<query::QueryService> query;            // POST /query: read-only SQL over the datasets
  std::unique_ptr<ai::ModelRegistry> models;             // /ai: model profiles, loaded on first use

  // The vector service and RAG (after models and query, so they are destroyed first).
  std::unique_ptr<AppendLog> hnsw_trials;         // _hnsw/trials/: HNSW tuning trials
  std::unique_ptr<vector::VectorStore> vectors;   // /vectors: indexes, built in the background
  std::unique_ptr<vector::RagAnswerer> answerer;  // POST /ai/ask

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
  health.AddService("catalog", [this] {
    ServiceHealth result;
    result.detail = {{"datasets", catalog->dataset_count()}};
    return result;
  });
  health.AddService("query", [this] {
    ServiceHealth result;
    auto answer = query->Health();
    if (!answer.ok()) {
      result.status = "down";
      result.detail = {{"engine", "duckdb"}, {"error", answer.status().message()}};
      return result;
    }
    result.detail = std::move(answer).value();
    return result;
  });
  health.AddService("journal", [this] { return CountObjects("_journal/events/", "event_batches"); });
  health.AddService("ai", [this] { return AiServiceHealth(*models); });
  health.AddService("vector", [this] { return VectorServiceHealth(*vectors); });
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
  // Inline: health must answer even when every worker is busy (it only reads a cached report).
  router.Add(
      "GET", "/health", [this](HttpRequest&) { return FromRendered(health.Overall()); },
      RouteOptions{.run_inline = true});
  for (const char* name : kServices) {
    router.Add(
        "GET", fmt::format("/{}/health", name),
        [this, service = std::string(name)](HttpRequest&) { return FromRendered(health.Service(service)); },
        RouteOptions{.run_inline = true});
  }
  router.Add("GET", "/routes", [this](HttpRequest&) {
    return HttpResponse::FromJson(200, {{"routes", router.Describe()}});
  });
  RegisterStorageRoutes(router, *buckets, config.storage, [this] {
    std::lock_guard lock(bucket_states_mu);
    return last_bucket_states;
  });
  RegisterQueryRoutes(router, *query, AsOfTables(*catalog, *journal), [this] {
    // `lakehouse ingest` and other servers commit to the same bucket; one listing of the catalog's
    // batches picks their commits up. If the bucket cannot be listed, the query is still answered
    // from the catalog as last loaded (and from rescue, if its data is unreachable too).
    if (Status refreshed = catalog->Refresh(); !refreshed.ok()) {
      log::Warn("query answered from the catalog as last loaded", Json{{"error", refreshed.ToString()}});
    }
  });
  RegisterDatasetRoutes(router, *catalog, *ingester, config.engine.temp_dir);
  RegisterMutationRoutes(router, *mutations);
  RegisterJournalRoutes(router, *journal, *catalog);
  RegisterAiRoutes(router, *models);
  RegisterVectorRoutes(router, *vectors, *hnsw_trials);
  RegisterRagRoutes(router, *answerer);
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { Shutdown(); }

Result<std::unique_ptr<Gateway>> Gateway::Open(const Config& config) {
  // Uploads and spills cut short by a crash would otherwise stay on disk for good.
  catalog::ScratchDirectory::RemoveAbandoned(config.engine.temp_dir);
  auto impl = std::make_unique<Impl>(config);
  LH_ASSIGN_OR_RETURN(impl->buckets, BucketRegistry::Open(config.storage));

  engine::DatabaseOptions db_options;
  db_options.memory_limit = config.engine.memory_limit;
  db_options.threads = static_cast<uint32_t>(config.engine.threads);
  db_options.extension_dir = config.engine.extension_dir;
  db_options.temp_dir = config.engine.temp_dir;

  catalog::CatalogOptions catalog_options;
  catalog_options.engine = db_options;
  catalog_options.scratch_dir = config.engine.temp_dir;
  auto opened_journal = journal::EventJournal::Open(impl->buckets->primary());
  if (!opened_journal.ok()) return opened_journal.status().WithContext("cannot open the event journal");
  impl->journal = std::move(opened_journal).value();
  catalog_options.before_commit = JournalCommitHook(*impl->journal);
  catalog_options.writer_lease_ttl = std::chrono::seconds(config.catalog.writer_lease_ttl_s);
  auto opened_catalog = catalog::Catalog::Open(*impl->buckets, catalog_options);
  if (!opened_catalog.ok()) return opened_catalog.status().WithContext("cannot open the catalog");
  impl->catalog = std::move(opened_catalog).value();
  ingest::IngestOptions ingest_options;
  ingest_options.engine = db_options;
  ingest_options.scratch_dir = config.engine.temp_dir;
  LH_ASSIGN_OR_RETURN(impl->ingester,
                      ingest::Ingester::Create(*impl->catalog, *impl->buckets, ingest_options));
  mutation::MutationOptions mutation_options;
  mutation_options.engine = db_options;
  mutation_options.scratch_dir = config.engine.temp_dir;
  mutation_options.compact_after_deltas = static_cast<std::size_t>(config.catalog.compact_after_deltas);
  LH_ASSIGN_OR_RETURN(impl->mutations,
                      mutation::MutationService::Create(*impl->catalog, *impl->buckets, mutation_options,
                                                        JournalChangeSink(*impl->journal)));

  query::QueryOptions query_options;
  query_options.sandbox = {config.query.memory_limit,
                           static_cast<uint32_t>(config.query.threads),
                           config.engine.extension_dir,
                           config.engine.temp_dir,
                           {}};
  query_options.timeout_ms = std::min(config.query.timeout_ms, config.query.max_timeout_ms);
  query_options.max_timeout_ms = config.query.max_timeout_ms;
  query_options.max_result_rows = static_cast<uint64_t>(config.query.max_result_rows);
  query_options.sandbox.s3_buckets = S3Buckets(*impl->buckets);
  if (impl->buckets->rescue() != nullptr) {
    if (auto rescue = impl->buckets->Backend(impl->buckets->rescue()->name()); rescue.ok()) {
      query_options.sandbox.rescue = *rescue;
    }
    query_options.on_bucket_down = [errors = &impl->buckets->errors()](const std::string& bucket,
                                                                       const Status& failure,
                                                                       const std::string& served_from) {
      errors->Record(bucket, "query_read", "", failure, served_from);
    };
  }
  impl->query = std::make_unique<query::QueryService>(
      query_options, WithJournalTable(CatalogTables(*impl->catalog), *impl->journal, *impl->catalog));

  impl->models = std::make_unique<ai::ModelRegistry>(config.ai);
  AppendLogOptions trial_options;
  trial_options.prefix = kHnswTrialsPrefix;
  LH_ASSIGN_OR_RETURN(impl->hnsw_trials, AppendLog::Open(impl->buckets->primary(), trial_options));
  vector::VectorStoreOptions vector_options;
  vector_options.engine = db_options;
  vector_options.scratch_dir = config.engine.temp_dir;
  auto opened_vectors =
      vector::VectorStore::Open(*impl->catalog, *impl->buckets, *impl->query, *impl->models, vector_options);
  if (!opened_vectors.ok()) return opened_vectors.status().WithContext("cannot open the vector indexes");
  impl->vectors = std::move(opened_vectors).value();
  impl->answerer = std::make_unique<vector::RagAnswerer>(*impl->vectors, *impl->models);
  impl->AddHealthChecks();
  impl->AddRoutes();
  HttpServerOptions http_options;
  http_options.host = config.server.host;
  http_options.port = config.server.port;
  http_options.threads = config.server.threads;
  http_options.max_body_bytes = config.server.max_body_bytes;
  http_options.max_upload_bytes = config.server.max_upload_bytes;
  http_options.upload_dir = config.engine.temp_dir;
  http_options.workers = config.server.workers;
  http_options.queue_depth = config.server.queue_depth;
  http_options.request_timeout = std::chrono::milliseconds(config.server.request_timeout_ms);
  http_options.access_log = config.log.access_log;
  impl->http = std::make_unique<HttpServer>(http_options, impl->router);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

// The demo's resume index, built in the background so the server answers at once; its progress is
// at GET /vectors/indexes/resumes. Started again on a later --demo start if an earlier build never
// finished (the index is then missing from the bucket).
void Gateway::Impl::StartDemoIndex() {
  if (vectors->Describe("resumes").ok() || !catalog->Get("resumes").ok()) return;
  vector::CreateIndexRequest request;
  request.name = "resumes";
  request.dataset = "resumes";
  request.text_column = "resume_text";
  request.id_column = "candidate_id";
  auto started = vectors->CreateIndex(request);
  if (!started.ok()) {
    log::Warn("the demo's resume index was not started", {{"error", started.status().message()}});
    return;
  }
  log::Info("building the demo's resume index in the background", {{"index", "resumes"}});
}

Result<int> Gateway::LoadDemoIfEmpty() {
  if (impl_->catalog->dataset_count() > 0) {
    impl_->StartDemoIndex();
    return 0;
  }
  LH_ASSIGN_OR_RETURN(auto files, demo::GenerateStaffingDemo({}));
  auto scratch = catalog::ScratchDirectory::Create(impl_->config.engine.temp_dir, "demo");
  if (!scratch.ok()) return scratch.status().WithContext("cannot prepare the demo files");
  LH_RETURN_IF_ERROR(demo::WriteStaffingDemo(files, (*scratch)->path()));
  int loaded = 0;
  for (const auto& file : files) {
    ingest::IngestRequest request;
    request.name = file.dataset;
    request.path = (*scratch)->path() + "/" + file.file_name;
    request.format = file.format;
    request.owner = "demo";
    request.source_system = "staffing-demo";
    request.description = file.description;
    request.tags = {"demo"};
    auto result = impl_->ingester->Ingest(request);
    if (!result.ok()) return result.status().WithContext("loading demo dataset '" + file.dataset + "'");
    log::Info("demo dataset loaded", {{"dataset", file.dataset},
                                      {"rows", result->manifest.row_count},
                                      {"version", result->manifest.version}});
    ++loaded;
  }
  impl_->StartDemoIndex();
  return loaded;
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
