#include "vector/vector_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/log.h"
#include "common/sha256.h"
#include "engine/sql_text.h"
#include "vector/keyword_index.h"

namespace lakehouse::vector {
namespace {

constexpr int kRrfConstant = 60;  // the usual reciprocal-rank-fusion damping (Cormack et al.)
// A refresh appends to a generation while it has fewer than kMaxFragments fragments (each is read
// on every load); past that it builds the next generation.
constexpr std::int64_t kMaxFragments = 32;
constexpr std::size_t kMaxFilterBytes = 16 * 1024;
constexpr std::size_t kMaxQueryTextBytes = 64 * 1024;

std::int64_t NowUs() { return catalog::NowMicros(); }

double MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

Result<std::string> StringField(const Json& body, const char* key, bool required) {
  if (!body.contains(key) || body[key].is_null()) {
    if (required) return Status::InvalidArgument(fmt::format("\"{}\" is required", key));
    return std::string();
  }
  if (!body[key].is_string()) return Status::InvalidArgument(fmt::format("\"{}\" must be a string", key));
  return body[key].get<std::string>();
}

Result<std::vector<int>> IntList(const Json& body, const char* key, std::vector<int> fallback, int low,
                                 int high) {
  if (!body.contains(key)) return fallback;
  const Json& list = body[key];
  if (!list.is_array() || list.empty() || list.size() > 16)
    return Status::InvalidArgument(fmt::format("\"{}\" must be a list of 1 to 16 integers", key));
  std::vector<int> out;
  for (const auto& v : list) {
    if (!v.is_number_integer() || v.get<int64_t>() < low || v.get<int64_t>() > high)
      return Status::InvalidArgument(
          fmt::format("\"{}\" values must be integers from {} to {}", key, low, high));
    out.push_back(v.get<int>());
  }
  return out;
}

// Runs one read-only query in the sandbox and returns its rows (JSON arrays).
Result<Json> RunQuery(query::QueryService& service, const std::string& sql) {
  query::QueryRequest request;
  request.sql = sql;
  request.format = query::ResultFormat::kJson;
  request.timeout_ms = service.options().max_timeout_ms;
  auto started = service.Start(request);
  if (started.error) return started.error->status;
  std::string out;
  while (started.stream->Read(out, 1 << 20)) {
  }
  if (started.stream->error()) return started.stream->error()->status;
  LH_ASSIGN_OR_RETURN(auto parsed, ParseJson(out));
  if (!parsed.contains("rows")) return Status::Internal("the query service answered without rows");
  return std::move(parsed["rows"]);
}

struct Slot {
  std::string name;
  std::shared_ptr<const VectorIndex> current;  // guarded by VectorStore::Impl::mu
  std::string state = "building";              // building | ready | failed; guarded by mu
  std::string error;                           // guarded by mu
  Json progress = Json::object();              // guarded by mu
  std::thread builder;                         // guarded by mu
  bool build_running = false;                  // guarded by mu

  std::mutex keyword_mu;
  std::shared_ptr<const VectorIndex> keyword_for;  // the index `keywords` covers; guarded by keyword_mu
  std::shared_ptr<KeywordIndex> keywords;          // guarded by keyword_mu

  // Which rows of index `live_for` still match the dataset at version `live_version` (see
  // Impl::LiveRows); null `live` means all of them.
  std::mutex live_mu;
  std::shared_ptr<const VectorIndex> live_for;  // guarded by live_mu
  std::int64_t live_version = -1;               // guarded by live_mu
  std::shared_ptr<const RowFilter> live;        // guarded by live_mu
  std::int64_t refreshed_for_version = -1;  // the dataset version a refresh was started for; guarded by mu
};

Status ValidateIndexName(const std::string& name) {
  LH_RETURN_IF_ERROR(catalog::ValidateDatasetName(name).WithContext("index name"));
  if (name == "indexes") return Status::InvalidArgument("\"indexes\" is reserved; choose another index name");
  return Status::OK();
}

}  // namespace

Result<CreateIndexRequest> CreateIndexRequestFromJson(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  static const std::unordered_set<std::string> kKnown = {"name",    "dataset",  "column", "id_column",
                                                         "profile", "chunking", "hnsw"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key))
      return Status::InvalidArgument(fmt::format(
          "unknown field \"{}\"; an index takes name, dataset, column, id_column, profile, chunking, hnsw",
          key));
  }
  CreateIndexRequest request;
  LH_ASSIGN_OR_RETURN(request.name, StringField(body, "name", true));
  LH_ASSIGN_OR_RETURN(request.dataset, StringField(body, "dataset", true));
  LH_ASSIGN_OR_RETURN(request.text_column, StringField(body, "column", true));
  LH_ASSIGN_OR_RETURN(request.id_column, StringField(body, "id_column", false));
  LH_ASSIGN_OR_RETURN(request.profile, StringField(body, "profile", false));
  LH_RETURN_IF_ERROR(ValidateIndexName(request.name));
  if (body.contains("chunking")) {
    LH_ASSIGN_OR_RETURN(request.chunking, ChunkingFromJson(body["chunking"]));
  }
  if (body.contains("hnsw")) {
    LH_ASSIGN_OR_RETURN(request.hnsw, HnswFromJson(body["hnsw"]));
  }
  return request;
}

Result<VectorSearchRequest> VectorSearchRequestFromJson(const Json& body, int max_k) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  static const std::unordered_set<std::string> kKnown = {"text",   "vector",  "k",    "ef",
                                                         "filter", "columns", "mode", "exact"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key))
      return Status::InvalidArgument(fmt::format(
          "unknown field \"{}\"; a search takes text or vector, k, ef, filter, columns, mode, exact", key));
  }
  VectorSearchRequest request;
  LH_ASSIGN_OR_RETURN(request.text, StringField(body, "text", false));
  if (request.text.size() > kMaxQueryTextBytes)
    return Status::InvalidArgument(
        fmt::format("\"text\" is {} bytes; the limit is {}", request.text.size(), kMaxQueryTextBytes));
  if (body.contains("vector")) {
    const Json& v = body["vector"];
    if (!v.is_array() || v.empty() || v.size() > 8192)
      return Status::InvalidArgument("\"vector\" must be a non-empty array of numbers (the index's dims)");
    for (const auto& x : v) {
      if (!x.is_number()) return Status::InvalidArgument("\"vector\" must hold numbers only");
      request.vector.push_back(x.get<float>());
    }
  }
  if (request.text.empty() == request.vector.empty())
    return Status::InvalidArgument("send exactly one of \"text\" (a non-empty query) and \"vector\"");
  if (body.contains("k")) {
    if (!body["k"].is_number_integer() || body["k"].get<int64_t>() < 1 || body["k"].get<int64_t>() > max_k)
      return Status::InvalidArgument(fmt::format("\"k\" must be an integer from 1 to {}", max_k));
    request.k = body["k"].get<int>();
  }
  if (body.contains("ef") && !body["ef"].is_null()) {
    if (!body["ef"].is_number_integer() || body["ef"].get<int64_t>() < 1 || body["ef"].get<int64_t>() > 5000)
      return Status::InvalidArgument("\"ef\" must be an integer from 1 to 5000");
    request.ef = body["ef"].get<int>();
  }
  LH_ASSIGN_OR_RETURN(request.filter, StringField(body, "filter", false));
  if (request.filter.size() > kMaxFilterBytes)
    return Status::InvalidArgument(fmt::format("\"filter\" is longer than {} bytes", kMaxFilterBytes));
  if (body.contains("columns")) {
    const Json& c = body["columns"];
    if (!c.is_array() || c.size() > 64)
      return Status::InvalidArgument("\"columns\" must be an array of up to 64 column names");
    for (const auto& name : c) {
      if (!name.is_string()) return Status::InvalidArgument("\"columns\" must hold column names (strings)");
      request.columns.push_back(name.get<std::string>());
    }
  }
  LH_ASSIGN_OR_RETURN(auto mode, StringField(body, "mode", false));
  if (!mode.empty() && mode != "vector" && mode != "hybrid")
    return Status::InvalidArgument("\"mode\" must be \"vector\" or \"hybrid\"");
  request.hybrid = mode == "hybrid";
  if (request.hybrid && request.text.empty())
    return Status::InvalidArgument("hybrid search needs \"text\" (BM25 ranks words, not vectors)");
  if (body.contains("exact")) {
    if (!body["exact"].is_boolean()) return Status::InvalidArgument("\"exact\" must be true or false");
    request.exact = body["exact"].get<bool>();
  }
  return request;
}

Json SearchResponseToJson(const VectorSearchResponse& response) {
  Json hits = Json::array();
  for (const auto& h : response.hits) {
    Json hit = {
        {"doc_id", h.doc_id}, {"chunk_id", h.chunk_id}, {"score", h.score}, {"chunk_text", h.chunk_text}};
    if (h.vector_score) hit["vector_score"] = *h.vector_score;
    if (h.keyword_score) hit["keyword_score"] = *h.keyword_score;
    if (!h.columns.empty()) hit["columns"] = h.columns;
    hits.push_back(std::move(hit));
  }
  Json out = {{"index", response.index.name},      {"generation", response.index.generation},
              {"model", response.index.model},     {"method", response.method},
              {"elapsed_ms", response.elapsed_ms}, {"hits", std::move(hits)}};
  if (response.allowed >= 0) out["filter_allowed_docs"] = response.allowed;
  return out;
}

Result<TuneRequest> TuneRequestFromJson(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  static const std::unordered_set<std::string> kKnown = {"m",       "ef_construction", "ef_search", "k",
                                                         "queries", "target_recall",   "adopt"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key))
      return Status::InvalidArgument(
          fmt::format("unknown field \"{}\"; tuning takes m, ef_construction, ef_search, k, queries, "
                      "target_recall, adopt",
                      key));
  }
  TuneRequest r;
  LH_ASSIGN_OR_RETURN(r.m, IntList(body, "m", r.m, 2, 100));
  LH_ASSIGN_OR_RETURN(r.ef_construction, IntList(body, "ef_construction", r.ef_construction, 2, 2000));
  LH_ASSIGN_OR_RETURN(r.ef_search, IntList(body, "ef_search", r.ef_search, 1, 5000));
  if (r.m.size() * r.ef_construction.size() > 16)
    return Status::InvalidArgument(
        "at most 16 (m, ef_construction) pairs per tuning request: each builds a graph");
  if (body.contains("k")) {
    if (!body["k"].is_number_integer() || body["k"].get<int64_t>() < 1 || body["k"].get<int64_t>() > 100)
      return Status::InvalidArgument("\"k\" must be an integer from 1 to 100");
    r.k = body["k"].get<int>();
  }
  if (body.contains("queries")) {
    if (!body["queries"].is_number_integer() || body["queries"].get<int64_t>() < 1 ||
        body["queries"].get<int64_t>() > 5000)
      return Status::InvalidArgument("\"queries\" must be an integer from 1 to 5000");
    r.queries = body["queries"].get<int>();
  }
  if (body.contains("target_recall")) {
    if (!body["target_recall"].is_number() || body["target_recall"].get<double>() <= 0 ||
        body["target_recall"].get<double>() > 1)
      return Status::InvalidArgument("\"target_recall\" must be a number in (0, 1]");
    r.target_recall = body["target_recall"].get<double>();
  }
  if (body.contains("adopt")) {
    if (!body["adopt"].is_boolean()) return Status::InvalidArgument("\"adopt\" must be true or false");
    r.adopt = body["adopt"].get<bool>();
  }
  return r;
}

struct VectorStore::Impl {
  Impl(catalog::Catalog& c, BucketRegistry& b, query::QueryService& q, ai::ModelRegistry& m,
       VectorStoreOptions o)
      : catalog(c), buckets(b), query(q), models(m), options(std::move(o)) {}

  Json DescribeLocked(const Slot& slot) const;
  Result<std::int64_t> NextGeneration(ObjectStore& bucket, const std::string& name) const;
  // `incremental` (a refresh): new and changed documents may be appended to the current
  // generation as a fragment instead of building the next one.
  void RunBuild(const std::shared_ptr<Slot>& slot, const CreateIndexRequest& request,
                const catalog::DatasetManifest& manifest, ai::Embedder* embedder, bool incremental);
  Status Build(const std::shared_ptr<Slot>& slot, const CreateIndexRequest& request,
               const catalog::DatasetManifest& manifest, ai::Embedder* embedder, bool incremental);
  void SetProgress(const std::shared_ptr<Slot>& slot, Json progress);
  Result<Json> StartBuild(const CreateIndexRequest& request, const catalog::DatasetManifest& manifest,
                          ai::Embedder* embedder, bool incremental);
  Result<std::shared_ptr<const RowFilter>> LiveRows(Slot& slot,
                                                    const std::shared_ptr<const VectorIndex>& index);
  void StartRefresh(const IndexDescriptor& d, const catalog::DatasetManifest& manifest);
  Result<std::shared_ptr<const VectorIndex>> Current(const std::string& name,
                                                     std::shared_ptr<Slot>* slot_out) const;
  Result<std::shared_ptr<KeywordIndex>> Keywords(Slot& slot,
                                                 const std::shared_ptr<const VectorIndex>& index) const;
  Result<std::unordered_set<std::string>> AllowedDocs(const IndexDescriptor& d,
                                                      const std::string& filter) const;
  Status FetchColumns(const IndexDescriptor& d, const std::vector<std::string>& columns,
                      std::vector<DocumentHit>& hits) const;
  Result<std::vector<float>> EmbedQuery(const IndexDescriptor& d, const std::string& text) const;

  catalog::Catalog& catalog;
  BucketRegistry& buckets;
  query::QueryService& query;
  ai::ModelRegistry& models;
  const VectorStoreOptions options;

  mutable std::mutex mu;
  mutable std::condition_variable builds_done;
  std::map<std::string, std::shared_ptr<Slot>> slots;  // guarded by mu
  std::atomic<bool> stopping{false};
};

Json VectorStore::Impl::DescribeLocked(const Slot& slot) const {
  Json out = {{"name", slot.name}, {"state", slot.state}};
  if (slot.build_running) out["progress"] = slot.progress;
  if (!slot.error.empty()) out["error"] = slot.error;
  if (slot.current) out["current"] = DescriptorToJson(slot.current->descriptor());
  return out;
}

Result<std::int64_t> VectorStore::Impl::NextGeneration(ObjectStore& bucket, const std::string& name) const {
  // Above every generation directory in the bucket, committed or not, so a crashed build's
  // number is never reused.
  const std::string prefix = "vectors/" + name + "/g";
  LH_ASSIGN_OR_RETURN(auto listed, bucket.List("vectors/" + name + "/"));
  std::int64_t highest = 0;
  for (const auto& info : listed) {
    if (!info.key.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(info.key).substr(prefix.size());
    std::int64_t g = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), g);
    if (ec == std::errc() && end != rest.data() && *end == '/') highest = std::max(highest, g);
  }
  return highest + 1;
}

void VectorStore::Impl::SetProgress(const std::shared_ptr<Slot>& slot, Json progress) {
  std::lock_guard lock(mu);
  slot->progress = std::move(progress);
}

Status VectorStore::Impl::Build(const std::shared_ptr<Slot>& slot, const CreateIndexRequest& request,
                                const catalog::DatasetManifest& manifest, ai::Embedder* embedder,
                                bool incremental) {
  auto started = std::chrono::steady_clock::now();
  SetProgress(slot, {{"phase", "reading"}});
  LH_ASSIGN_OR_RETURN(auto rows,
                      RunQuery(query, fmt::format("SELECT CAST({} AS VARCHAR), CAST({} AS VARCHAR) FROM {}",
                                                  engine::QuoteSqlIdentifier(request.id_column),
                                                  engine::QuoteSqlIdentifier(request.text_column),
                                                  engine::QuoteSqlIdentifier(manifest.name))));
  const ai::ModelInfo& model = embedder->info();
  IndexDescriptor descriptor;
  descriptor.name = request.name;
  descriptor.dataset = manifest.name;
  descriptor.dataset_version = manifest.version;
  descriptor.bucket = manifest.bucket;
  descriptor.text_column = request.text_column;
  descriptor.id_column = request.id_column;
  descriptor.profile = model.profile;
  descriptor.model = model.model;
  descriptor.model_version = model.version;
  descriptor.dims = model.dims;
  descriptor.chunking = request.chunking;
  descriptor.hnsw = request.hnsw;

  // What the previous generation already embedded, if it used the same model and chunking.
  std::shared_ptr<const VectorIndex> previous;
  {
    std::lock_guard lock(mu);
    previous = slot->current;
  }
  const bool reusable = previous && previous->descriptor().model == descriptor.model &&
                        previous->descriptor().model_version == descriptor.model_version &&
                        previous->descriptor().dims == descriptor.dims &&
                        previous->descriptor().chunking == descriptor.chunking;

  std::vector<ChunkRecord> chunks;
  std::vector<float> vectors;
  std::vector<std::uint32_t> to_embed;  // rows of `chunks` still without a vector
  const auto dims = static_cast<size_t>(descriptor.dims);
  std::int64_t reused = 0;
  std::unordered_set<std::string> seen_docs;
  std::unordered_set<std::string> reused_docs;
  for (const auto& row : rows) {
    if (!row.is_array() || row.size() != 2 || !row[0].is_string() || !row[1].is_string()) continue;
    std::string doc_id = row[0].get<std::string>();
    const std::string& text = row[1].get_ref<const std::string&>();
    if (!seen_docs.insert(doc_id).second) continue;  // a duplicated key keeps its first row
    std::string hash = Sha256::Of(text);
    if (reusable) {
      const auto old_rows = previous->RowsOf(doc_id);
      if (!old_rows.empty() && previous->chunk(old_rows.front()).content_hash == hash) {
        reused_docs.insert(doc_id);
        for (std::uint32_t old_row : old_rows) {
          chunks.push_back(previous->chunk(old_row));
          vectors.insert(vectors.end(), previous->VectorOf(old_row), previous->VectorOf(old_row) + dims);
          ++reused;
        }
        continue;
      }
    }
    auto pieces = ChunkText(text, request.chunking);
    for (size_t i = 0; i < pieces.size(); ++i) {
      to_embed.push_back(static_cast<std::uint32_t>(chunks.size()));
      chunks.push_back({doc_id, static_cast<int>(i), std::move(pieces[i]), hash});
      vectors.resize(vectors.size() + dims);
    }
  }
  if (chunks.empty())
    return Status::FailedPrecondition(
        fmt::format("dataset '{}' has no text in column '{}' to index", manifest.name, request.text_column));
  auto embed_started = std::chrono::steady_clock::now();
  const auto batch = static_cast<size_t>(std::max(1, options.embed_batch));
  // Batches go to as many concurrent Embed calls as the profile runs in parallel (each call has
  // its own model context and a share of the cores); one caller alone would use one share.
  std::atomic<size_t> next_batch{0};
  std::atomic<size_t> embedded_count{0};
  std::atomic<std::int64_t> truncated{0};
  std::mutex error_mu;
  Status embed_error;  // guarded by error_mu
  auto embed_batches = [&] {
    for (size_t begin = next_batch.fetch_add(batch); begin < to_embed.size();
         begin = next_batch.fetch_add(batch)) {
      if (stopping) {
        std::lock_guard lock(error_mu);
        embed_error = Status::Unavailable("the build was cancelled because the server is stopping");
        return;
      }
      const size_t end = std::min(begin + batch, to_embed.size());
      std::vector<std::string> texts;
      for (size_t i = begin; i < end; ++i) texts.push_back(chunks[to_embed[i]].text);
      auto embedded = embedder->Embed(texts);
      Status st = embedded.status();
      for (size_t i = begin; st.ok() && i < end; ++i) {
        const auto& v = embedded->vectors[i - begin];
        if (v.size() != dims) {
          st = Status::Internal("the embedder returned a vector of the wrong length");
          break;
        }
        std::copy(v.begin(), v.end(), vectors.begin() + static_cast<std::ptrdiff_t>(to_embed[i] * dims));
        if (embedded->truncated[i - begin]) ++truncated;
      }
      if (!st.ok()) {
        std::lock_guard lock(error_mu);
        embed_error = st.WithContext("embedding the chunks failed");
        next_batch = to_embed.size();
        return;
      }
      embedded_count += end - begin;
      SetProgress(slot, {{"phase", "embedding"},
                         {"docs", seen_docs.size()},
                         {"chunks_total", chunks.size()},
                         {"chunks_reused", reused},
                         {"chunks_to_embed", to_embed.size()},
                         {"chunks_embedded", embedded_count.load()}});
    }
  };
  auto profile = models.options().profiles.find(descriptor.profile);
  const int parallel =
      std::clamp(profile == models.options().profiles.end() ? 1 : profile->second.parallel, 1, 8);
  std::vector<std::thread> helpers;
  for (int t = 1; t < parallel; ++t) helpers.emplace_back(embed_batches);
  embed_batches();
  for (auto& t : helpers) t.join();
  if (!embed_error.ok()) return embed_error;
  descriptor.truncated_chunks = truncated.load();
  descriptor.embedded_chunks = static_cast<std::int64_t>(to_embed.size());
  descriptor.embed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - embed_started).count();
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets.Get(manifest.bucket));
  // A refresh appends the new and changed chunks to the current generation as a fragment: they
  // are searchable at once, scanned exactly next to the graph. Once the appended rows outgrow a
  // cheap exact scan (kExactBelowChunks), the same job goes on to fold everything into the next
  // generation's graph, as an explicit rebuild does.
  const IndexDescriptor* before = previous ? &previous->descriptor() : nullptr;
  if (incremental && reusable && before->hnsw == descriptor.hnsw &&
      before->text_column == descriptor.text_column && before->id_column == descriptor.id_column &&
      before->fragments < kMaxFragments) {
    std::vector<ChunkRecord> added;
    std::vector<float> added_vectors;
    added.reserve(to_embed.size());
    added_vectors.reserve(to_embed.size() * dims);
    for (std::uint32_t row : to_embed) {
      added.push_back(chunks[row]);  // copied: a refused append falls back to a full build
      const auto at = vectors.begin() + static_cast<std::ptrdiff_t>(row * dims);
      added_vectors.insert(added_vectors.end(), at, at + static_cast<std::ptrdiff_t>(dims));
    }
    // Every live document not reused as it was: deleted, emptied or changed (a changed one comes
    // back with its new chunks).
    std::unordered_set<std::string> removed_set;
    for (std::uint32_t row = 0; row < previous->size(); ++row) {
      if (previous->live(row) && !reused_docs.contains(previous->chunk(row).doc_id))
        removed_set.insert(previous->chunk(row).doc_id);
    }
    std::vector<std::string> removed(removed_set.begin(), removed_set.end());
    std::sort(removed.begin(), removed.end());
    SetProgress(
        slot, {{"phase", "appending"}, {"chunks_appended", added.size()}, {"docs_removed", removed.size()}});
    auto appended = previous->Append(*bucket, std::move(added), std::move(added_vectors), removed,
                                     manifest.version, options.engine, options.scratch_dir);
    if (appended.ok()) {
      std::shared_ptr<const VectorIndex> ready = std::move(appended).value();
      {
        std::lock_guard lock(mu);
        slot->current = ready;  // the swap
      }
      log::Info("vector index appended", {{"index", request.name},
                                          {"generation", ready->descriptor().generation},
                                          {"fragment", ready->descriptor().fragments},
                                          {"chunks_appended", to_embed.size()},
                                          {"docs_removed", removed.size()},
                                          {"seconds", MsSince(started) / 1000}});
      if (ready->size() - ready->graph_size() <= VectorIndex::kExactBelowChunks) return Status::OK();
      log::Info("vector index folding its fragments into the next generation",
                {{"index", request.name}, {"appended_chunks", ready->size() - ready->graph_size()}});
    } else if (appended.status().code() == StatusCode::kFailedPrecondition) {
      // Another process appended to this generation first: build the next one instead.
      log::Warn("vector index append refused; building the next generation",
                {{"index", request.name}, {"error", appended.status().message()}});
    } else {
      return appended.status();
    }
  }
  SetProgress(slot, {{"phase", "building"},
                     {"docs", seen_docs.size()},
                     {"chunks_total", chunks.size()},
                     {"chunks_reused", reused}});
  LH_ASSIGN_OR_RETURN(descriptor.generation, NextGeneration(*bucket, request.name));
  descriptor.created_at_us = NowUs();
  LH_ASSIGN_OR_RETURN(auto index,
                      VectorIndex::Build(std::move(descriptor), std::move(chunks), std::move(vectors)));
  SetProgress(slot, {{"phase", "saving"}, {"chunks_total", index->size()}, {"chunks_reused", reused}});
  LH_RETURN_IF_ERROR(index->Save(*bucket, options.engine, options.scratch_dir));
  std::shared_ptr<const VectorIndex> ready = std::move(index);
  {
    std::lock_guard lock(mu);
    slot->current = ready;  // the swap: searches from now on use the new generation
  }
  log::Info("vector index ready", {{"index", request.name},
                                   {"generation", ready->descriptor().generation},
                                   {"chunks", ready->size()},
                                   {"reused_chunks", reused},
                                   {"seconds", MsSince(started) / 1000}});
  return Status::OK();
}

void VectorStore::Impl::RunBuild(const std::shared_ptr<Slot>& slot, const CreateIndexRequest& request,
                                 const catalog::DatasetManifest& manifest, ai::Embedder* embedder,
                                 bool incremental) {
  Status st;
  try {
    st = Build(slot, request, manifest, embedder, incremental);
  } catch (const std::exception& e) {
    st = Status::Internal(fmt::format("building index '{}' failed: {}", request.name, e.what()));
  }
  if (!st.ok()) log::Warn("vector index build failed", {{"index", request.name}, {"error", st.message()}});
  std::lock_guard lock(mu);
  slot->build_running = false;
  slot->state = st.ok() ? "ready" : (slot->current ? "ready" : "failed");
  slot->error = st.ok() ? "" : st.message();
  builds_done.notify_all();
}

Result<std::shared_ptr<const VectorIndex>> VectorStore::Impl::Current(const std::string& name,
                                                                      std::shared_ptr<Slot>* slot_out) const {
  std::lock_guard lock(mu);
  auto found = slots.find(name);
  if (found == slots.end()) {
    std::string names;
    for (const auto& [n, s] : slots) names += (names.empty() ? "" : ", ") + n;
    return Status::NotFound(
        fmt::format("no vector index '{}'; indexes: {} (POST /vectors/indexes creates one)", name,
                    names.empty() ? "none" : names));
  }
  if (!found->second->current) {
    if (found->second->state == "failed")
      return Status::FailedPrecondition(fmt::format(
          "index '{}' failed to build: {}; fix the cause and create it again", name, found->second->error));
    return Status::FailedPrecondition(
        fmt::format("index '{}' is still building; GET /vectors/indexes/{} shows its progress", name, name));
  }
  if (slot_out != nullptr) *slot_out = found->second;
  return found->second->current;
}

Result<std::shared_ptr<KeywordIndex>> VectorStore::Impl::Keywords(
    Slot& slot, const std::shared_ptr<const VectorIndex>& index) const {
  std::lock_guard lock(slot.keyword_mu);
  if (slot.keyword_for != index || !slot.keywords) {
    LH_ASSIGN_OR_RETURN(auto built, KeywordIndex::Build(*index, options.engine));
    slot.keywords = std::move(built);
    slot.keyword_for = index;
  }
  return slot.keywords;
}

// A generation reflects the dataset version it was built from. Once the dataset has moved on
// (upserts, deletes), its rows are checked against the current data -- a document that is gone,
// or whose text changed, is no longer live -- and a background refresh re-embeds only what
// changed. The check runs once per (generation, dataset version); searches in between reuse it.
Result<std::shared_ptr<const RowFilter>> VectorStore::Impl::LiveRows(
    Slot& slot, const std::shared_ptr<const VectorIndex>& current) {
  const VectorIndex& index = *current;
  const IndexDescriptor& d = index.descriptor();
  auto manifest = catalog.Get(d.dataset);
  if (!manifest.ok())
    return manifest.status().WithContext(
        fmt::format("index '{}' covers dataset '{}', which cannot be read", d.name, d.dataset));
  if (manifest->version == d.dataset_version) return std::shared_ptr<const RowFilter>();
  std::lock_guard lock(slot.live_mu);
  if (slot.live_for == current && slot.live_version == manifest->version) return slot.live;
  // The current documents and the hash of their text, as the build computes it.
  auto rows = RunQuery(
      query, fmt::format("SELECT CAST({0} AS VARCHAR), sha256(CAST({1} AS VARCHAR)) FROM {2} "
                         "WHERE {1} IS NOT NULL",
                         engine::QuoteSqlIdentifier(d.id_column), engine::QuoteSqlIdentifier(d.text_column),
                         engine::QuoteSqlIdentifier(d.dataset)));
  if (!rows.ok())
    return rows.status().WithContext(
        fmt::format("cannot check index '{}' against dataset '{}'", d.name, d.dataset));
  std::unordered_map<std::string, std::vector<std::string>> hashes;
  for (auto& row : *rows) {
    if (row.is_array() && row.size() == 2 && row[0].is_string() && row[1].is_string())
      hashes[row[0].get<std::string>()].push_back(row[1].get<std::string>());
  }
  auto live = std::make_shared<RowFilter>(index.size(), false);
  std::size_t dead_rows = 0;
  std::int64_t stale_docs = 0;
  std::unordered_set<std::string_view> seen;
  for (std::uint32_t row = 0; row < index.size(); ++row) {
    const ChunkRecord& c = index.chunk(row);
    auto found = hashes.find(c.doc_id);
    (*live)[row] = found != hashes.end() && std::find(found->second.begin(), found->second.end(),
                                                      c.content_hash) != found->second.end();
    if (!(*live)[row]) {
      ++dead_rows;
      if (seen.insert(c.doc_id).second) ++stale_docs;
    }
  }
  std::int64_t new_docs = 0;
  for (const auto& [doc, h] : hashes) {
    if (index.RowsOf(doc).empty()) ++new_docs;
  }
  slot.live_for = current;
  slot.live_version = manifest->version;
  slot.live = dead_rows == 0 ? nullptr : std::move(live);
  if (stale_docs > 0 || new_docs > 0) {
    log::Info("vector index behind its dataset", {{"index", d.name},
                                                  {"dataset_version", manifest->version},
                                                  {"stale_docs", stale_docs},
                                                  {"new_docs", new_docs}});
    if (options.refresh_in_background) StartRefresh(d, *manifest);
  }
  return slot.live;
}

void VectorStore::Impl::StartRefresh(const IndexDescriptor& d, const catalog::DatasetManifest& manifest) {
  {
    std::lock_guard lock(mu);
    auto found = slots.find(d.name);
    // One refresh per dataset version; a running build finishes first (the next search looks again).
    if (found == slots.end() || found->second->build_running ||
        found->second->refreshed_for_version >= manifest.version)
      return;
  }
  auto embedder = models.GetEmbedder(d.profile);
  if (!embedder.ok()) {
    log::Warn("vector index refresh not started",
              {{"index", d.name}, {"error", embedder.status().message()}});
    return;
  }
  CreateIndexRequest request;
  request.name = d.name;
  request.dataset = d.dataset;
  request.text_column = d.text_column;
  request.id_column = d.id_column;
  request.profile = d.profile;
  request.chunking = d.chunking;
  request.hnsw = d.hnsw;
  auto started = StartBuild(request, manifest, *embedder, /*incremental=*/true);
  if (started.ok())
    log::Info("vector index refresh started", {{"index", d.name}, {"dataset_version", manifest.version}});
}

Result<std::unordered_set<std::string>> VectorStore::Impl::AllowedDocs(const IndexDescriptor& d,
                                                                       const std::string& filter) const {
  auto rows = RunQuery(query, fmt::format("SELECT DISTINCT CAST({} AS VARCHAR) FROM {} WHERE ({})",
                                          engine::QuoteSqlIdentifier(d.id_column),
                                          engine::QuoteSqlIdentifier(d.dataset), filter));
  if (!rows.ok()) {
    return Status(rows.status().code() == StatusCode::kPermissionDenied ? StatusCode::kPermissionDenied
                                                                        : StatusCode::kInvalidArgument,
                  fmt::format("the filter is not a valid SQL predicate over dataset '{}': {}", d.dataset,
                              rows.status().message()));
  }
  std::unordered_set<std::string> allowed;
  for (const auto& row : *rows) {
    if (row.is_array() && !row.empty() && row[0].is_string()) allowed.insert(row[0].get<std::string>());
  }
  return allowed;
}

Status VectorStore::Impl::FetchColumns(const IndexDescriptor& d, const std::vector<std::string>& columns,
                                       std::vector<DocumentHit>& hits) const {
  if (columns.empty() || hits.empty()) return Status::OK();
  LH_ASSIGN_OR_RETURN(auto manifest, catalog.Get(d.dataset));
  std::string select;
  for (const auto& c : columns) {
    bool known = std::any_of(manifest.schema.begin(), manifest.schema.end(),
                             [&](const auto& s) { return s.name == c; });
    if (!known) {
      std::string names;
      for (const auto& s : manifest.schema) names += (names.empty() ? "" : ", ") + s.name;
      return Status::InvalidArgument(
          fmt::format("dataset '{}' has no column '{}'; it has {}", d.dataset, c, names));
    }
    select += ", " + engine::QuoteSqlIdentifier(c);
  }
  std::string ids;
  for (const auto& h : hits) ids += (ids.empty() ? "" : ", ") + engine::QuoteSqlString(h.doc_id);
  LH_ASSIGN_OR_RETURN(auto rows,
                      RunQuery(query, fmt::format("SELECT CAST({0} AS VARCHAR){1} FROM {2} WHERE CAST({0} AS "
                                                  "VARCHAR) IN ({3})",
                                                  engine::QuoteSqlIdentifier(d.id_column), select,
                                                  engine::QuoteSqlIdentifier(d.dataset), ids)));
  std::unordered_map<std::string, Json> by_id;
  for (auto& row : rows) {
    if (!row.is_array() || row.empty() || !row[0].is_string()) continue;
    Json values = Json::object();
    for (size_t i = 0; i < columns.size() && i + 1 < row.size(); ++i) values[columns[i]] = row[i + 1];
    by_id.emplace(row[0].get<std::string>(), std::move(values));
  }
  for (auto& h : hits) {
    auto found = by_id.find(h.doc_id);
    if (found != by_id.end()) h.columns = found->second;
  }
  return Status::OK();
}

Result<std::vector<float>> VectorStore::Impl::EmbedQuery(const IndexDescriptor& d,
                                                         const std::string& text) const {
  LH_ASSIGN_OR_RETURN(ai::Embedder * embedder, models.GetEmbedder(d.profile));
  const ai::ModelInfo& info = embedder->info();
  if (info.model != d.model || info.version != d.model_version || info.dims != d.dims)
    return Status::FailedPrecondition(fmt::format(
        "index '{}' was built with {} v{} ({} dims) but profile '{}' now serves {} v{} ({} dims); rebuild "
        "the index",
        d.name, d.model, d.model_version, d.dims, d.profile, info.model, info.version, info.dims));
  LH_ASSIGN_OR_RETURN(auto embedded, embedder->Embed({text}));
  return std::move(embedded.vectors.front());
}

VectorStore::VectorStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

VectorStore::~VectorStore() {
  impl_->stopping = true;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [name, slot] : impl_->slots) {
      if (slot->builder.joinable()) threads.push_back(std::move(slot->builder));
    }
  }
  for (auto& t : threads) t.join();
}

Result<std::unique_ptr<VectorStore>> VectorStore::Open(catalog::Catalog& catalog, BucketRegistry& buckets,
                                                       query::QueryService& query, ai::ModelRegistry& models,
                                                       VectorStoreOptions options) {
  auto impl = std::make_unique<Impl>(catalog, buckets, query, models, std::move(options));
  for (const auto& bucket_name : buckets.names()) {
    LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets.Get(bucket_name));
    auto listed = bucket->List("vectors/");
    if (!listed.ok()) {
      log::Warn("cannot list vector indexes",
                {{"bucket", bucket_name}, {"error", listed.status().message()}});
      continue;
    }
    // The newest committed generation of each index: vectors/{name}/g{N}/index.json.
    std::map<std::string, std::pair<std::int64_t, std::string>> newest;
    for (const auto& info : *listed) {
      std::string_view key = info.key;
      if (!key.ends_with("/index.json")) continue;
      std::string_view rest = key.substr(std::string_view("vectors/").size());
      auto slash = rest.find('/');
      if (slash == std::string_view::npos || rest.substr(slash + 1, 1) != "g") continue;
      std::string name(rest.substr(0, slash));
      std::string_view gen_text = rest.substr(slash + 2);
      std::int64_t generation = 0;
      auto [end, ec] = std::from_chars(gen_text.data(), gen_text.data() + gen_text.size(), generation);
      if (ec != std::errc() || *end != '/') continue;
      auto& slot = newest[name];
      if (generation > slot.first) slot = {generation, std::string(key.substr(0, key.size() - 10))};
    }
    for (const auto& [name, found] : newest) {
      auto slot = std::make_shared<Slot>();
      slot->name = name;
      auto loaded = VectorIndex::Load(*bucket, found.second, impl->options.engine, impl->options.scratch_dir);
      if (loaded.ok()) {
        slot->current = std::move(loaded).value();
        slot->state = "ready";
        log::Info("vector index loaded",
                  {{"index", name}, {"generation", found.first}, {"chunks", slot->current->size()}});
      } else {
        slot->state = "failed";
        slot->error = loaded.status().WithContext(fmt::format("cannot load {}", found.second)).message();
        log::Warn("vector index failed to load", {{"index", name}, {"error", slot->error}});
      }
      impl->slots[name] = std::move(slot);
    }
  }
  return std::unique_ptr<VectorStore>(new VectorStore(std::move(impl)));
}

Result<Json> VectorStore::CreateIndex(const CreateIndexRequest& original) {
  CreateIndexRequest request = original;
  LH_RETURN_IF_ERROR(ValidateIndexName(request.name));
  LH_RETURN_IF_ERROR(ValidateChunking(request.chunking));
  LH_RETURN_IF_ERROR(ValidateHnsw(request.hnsw));
  LH_ASSIGN_OR_RETURN(auto manifest, impl_->catalog.Get(request.dataset));
  auto column = [&](const std::string& name) -> const catalog::ColumnSchema* {
    for (const auto& c : manifest.schema) {
      if (c.name == name) return &c;
    }
    return nullptr;
  };
  std::string names;
  for (const auto& c : manifest.schema) names += (names.empty() ? "" : ", ") + c.name;
  const catalog::ColumnSchema* text = column(request.text_column);
  if (text == nullptr)
    return Status::InvalidArgument(fmt::format("dataset '{}' has no column '{}'; it has {}", request.dataset,
                                               request.text_column, names));
  if (text->type != "VARCHAR")
    return Status::InvalidArgument(fmt::format("column '{}' is {}, not text (VARCHAR); index a text column",
                                               request.text_column, text->type));
  if (request.id_column.empty()) {
    if (!manifest.primary_key)
      return Status::InvalidArgument(
          fmt::format("dataset '{}' has no primary key; name the column that identifies a document with "
                      "\"id_column\" (one of {})",
                      request.dataset, names));
    request.id_column = *manifest.primary_key;
  }
  if (column(request.id_column) == nullptr)
    return Status::InvalidArgument(
        fmt::format("dataset '{}' has no column '{}'; it has {}", request.dataset, request.id_column, names));
  LH_ASSIGN_OR_RETURN(ai::Embedder * embedder, impl_->models.GetEmbedder(request.profile));
  return impl_->StartBuild(request, manifest, embedder, /*incremental=*/false);
}

Result<Json> VectorStore::Impl::StartBuild(const CreateIndexRequest& request,
                                           const catalog::DatasetManifest& manifest, ai::Embedder* embedder,
                                           bool incremental) {
  std::lock_guard lock(mu);
  auto& slot = slots[request.name];
  if (!slot) {
    slot = std::make_shared<Slot>();
    slot->name = request.name;
  }
  if (slot->build_running)
    return Status::FailedPrecondition(
        fmt::format("index '{}' is being built already; wait for it (GET /vectors/indexes/{})", request.name,
                    request.name));
  if (slot->current && slot->current->descriptor().dataset != request.dataset)
    return Status::AlreadyExists(fmt::format("index '{}' already covers dataset '{}'; choose another name",
                                             request.name, slot->current->descriptor().dataset));
  if (slot->builder.joinable()) slot->builder.join();  // the previous build has finished
  slot->build_running = true;
  slot->state = slot->current ? "ready" : "building";
  slot->error.clear();
  slot->progress = {{"phase", "queued"}};
  slot->refreshed_for_version = std::max(slot->refreshed_for_version, manifest.version);
  slot->builder = std::thread([this, s = slot, request, manifest, embedder, incremental] {
    RunBuild(s, request, manifest, embedder, incremental);
  });
  return DescribeLocked(*slot);
}

Result<Json> VectorStore::Describe(const std::string& name) const {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->slots.find(name);
  if (found == impl_->slots.end()) return Status::NotFound(fmt::format("no vector index '{}'", name));
  return impl_->DescribeLocked(*found->second);
}

Json VectorStore::List() const {
  std::lock_guard lock(impl_->mu);
  Json list = Json::array();
  for (const auto& [name, slot] : impl_->slots) list.push_back(impl_->DescribeLocked(*slot));
  return list;
}

Json VectorStore::Health() const {
  std::lock_guard lock(impl_->mu);
  int ready = 0, building = 0, failed = 0;
  for (const auto& [name, slot] : impl_->slots) {
    if (slot->current) ++ready;
    if (slot->build_running) ++building;
    if (slot->state == "failed") ++failed;
  }
  return {{"indexes", impl_->slots.size()}, {"ready", ready}, {"building", building}, {"failed", failed}};
}

bool VectorStore::WaitForBuilds(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->builds_done.wait_for(lock, timeout, [this] {
    return std::none_of(impl_->slots.begin(), impl_->slots.end(),
                        [](const auto& s) { return s.second->build_running; });
  });
}

Result<Json> VectorStore::Document(const std::string& name, const std::string& doc_id,
                                   bool with_vectors) const {
  std::shared_ptr<Slot> slot;
  LH_ASSIGN_OR_RETURN(auto index, impl_->Current(name, &slot));
  const IndexDescriptor& d = index->descriptor();
  LH_ASSIGN_OR_RETURN(auto live, impl_->LiveRows(*slot, index));
  Json chunks = Json::array();
  for (std::uint32_t row : index->RowsOf(doc_id)) {
    if (live != nullptr && !(*live)[row]) continue;
    const ChunkRecord& c = index->chunk(row);
    Json chunk = {{"chunk_id", c.chunk_id}, {"chunk_text", c.text}, {"content_hash", c.content_hash}};
    if (with_vectors) {
      const float* v = index->VectorOf(row);
      chunk["vector"] = std::vector<float>(v, v + d.dims);
    }
    chunks.push_back(std::move(chunk));
  }
  if (chunks.empty())
    return Status::NotFound(fmt::format("index '{}' holds no document '{}' (generation {} of dataset '{}')",
                                        name, doc_id, d.generation, d.dataset));
  return Json{{"index", name},
              {"generation", d.generation},
              {"model", d.model},
              {"doc_id", doc_id},
              {"chunks", std::move(chunks)}};
}

Result<VectorSearchResponse> VectorStore::Search(const std::string& name,
                                                 const VectorSearchRequest& request) const {
  auto started = std::chrono::steady_clock::now();
  std::shared_ptr<Slot> slot;
  LH_ASSIGN_OR_RETURN(auto index, impl_->Current(name, &slot));
  const IndexDescriptor& d = index->descriptor();
  if (request.k < 1 || request.k > impl_->options.max_k)
    return Status::InvalidArgument(fmt::format("k must be from 1 to {}", impl_->options.max_k));
  std::vector<float> query = request.vector;
  if (!request.text.empty()) {
    LH_ASSIGN_OR_RETURN(query, impl_->EmbedQuery(d, request.text));
  } else if (query.size() != static_cast<size_t>(d.dims)) {
    return Status::InvalidArgument(fmt::format("\"vector\" has {} numbers; index '{}' needs {} ({})",
                                               query.size(), name, d.dims, d.model));
  } else {
    ai::NormalizeL2(query);
  }

  VectorSearchResponse response;
  response.index = d;
  RowFilter filter;
  SearchOptions options;
  options.k = request.k;
  options.ef = request.ef;
  options.exact = request.exact;
  // Documents deleted or changed since this generation was built are never returned.
  LH_ASSIGN_OR_RETURN(auto live, impl_->LiveRows(*slot, index));
  if (!request.filter.empty()) {
    LH_ASSIGN_OR_RETURN(auto allowed, impl_->AllowedDocs(d, request.filter));
    filter.assign(index->size(), false);
    std::int64_t allowed_docs = 0;
    for (const auto& doc : allowed) {
      bool any = false;
      for (auto row : index->RowsOf(doc)) {
        filter[row] = live == nullptr || (*live)[row];
        any = any || filter[row];
      }
      if (any) ++allowed_docs;
    }
    response.allowed = allowed_docs;
    options.filter = &filter;
  } else if (live != nullptr) {
    options.filter = live.get();
  }
  auto to_hit = [&](const ChunkHit& h) {
    const ChunkRecord& c = index->chunk(h.row);
    DocumentHit hit;
    hit.doc_id = c.doc_id;
    hit.chunk_id = c.chunk_id;
    hit.chunk_text = c.text;
    hit.score = h.score;
    return hit;
  };
  if (!request.hybrid) {
    LH_ASSIGN_OR_RETURN(auto outcome, index->SearchDocuments(query, options));
    for (const auto& h : outcome.hits) response.hits.push_back(to_hit(h));
    response.method = std::string(SearchMethodName(outcome.method));
  } else {
    // Reciprocal rank fusion of the two document rankings, each cut at `depth`.
    const int depth = std::max(request.k * 3, 50);
    options.k = depth;
    LH_ASSIGN_OR_RETURN(auto by_vector, index->SearchDocuments(query, options));
    LH_ASSIGN_OR_RETURN(auto keywords, impl_->Keywords(*slot, index));
    const size_t keyword_limit = options.filter != nullptr ? index->size() : static_cast<size_t>(depth) * 4;
    LH_ASSIGN_OR_RETURN(auto by_keyword, keywords->Search(request.text, keyword_limit));
    struct Fused {
      double score = 0;
      std::optional<ChunkHit> vector_hit, keyword_hit;
    };
    std::unordered_map<std::string, Fused> fused;
    for (size_t rank = 0; rank < by_vector.hits.size(); ++rank) {
      auto& f = fused[index->chunk(by_vector.hits[rank].row).doc_id];
      f.score += 1.0 / (kRrfConstant + static_cast<double>(rank) + 1);
      f.vector_hit = by_vector.hits[rank];
    }
    int keyword_rank = 0;
    for (const auto& h : by_keyword) {
      if (!index->live(h.row) || (options.filter != nullptr && !(*options.filter)[h.row])) continue;
      auto& f = fused[index->chunk(h.row).doc_id];
      if (f.keyword_hit) continue;  // a document's best chunk only
      f.score += 1.0 / (kRrfConstant + keyword_rank + 1);
      f.keyword_hit = h;
      if (++keyword_rank == depth) break;
    }
    std::vector<std::pair<const std::string*, const Fused*>> order;
    for (const auto& [doc, f] : fused) order.emplace_back(&doc, &f);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.second->score != b.second->score ? a.second->score > b.second->score : *a.first < *b.first;
    });
    for (size_t i = 0; i < order.size() && i < static_cast<size_t>(request.k); ++i) {
      const Fused& f = *order[i].second;
      DocumentHit hit = to_hit(f.vector_hit ? *f.vector_hit : *f.keyword_hit);
      hit.score = f.score;
      if (f.vector_hit) hit.vector_score = f.vector_hit->score;
      if (f.keyword_hit) hit.keyword_score = f.keyword_hit->score;
      response.hits.push_back(std::move(hit));
    }
    response.method = fmt::format("hybrid({}+bm25)", SearchMethodName(by_vector.method));
  }
  LH_RETURN_IF_ERROR(impl_->FetchColumns(d, request.columns, response.hits));
  response.elapsed_ms = MsSince(started);
  return response;
}

Result<Json> VectorStore::Tune(const std::string& name, const TuneRequest& request,
                               const std::function<void(const Json& trial)>& record) {
  LH_ASSIGN_OR_RETURN(auto index, impl_->Current(name, nullptr));
  if (index->descriptor().fragments > 0) {
    // Trials number rows as their graphs do: fold the appended rows into one graph first.
    LH_ASSIGN_OR_RETURN(index, index->Rebuilt(index->descriptor().hnsw));
  }
  const IndexDescriptor& d = index->descriptor();
  const size_t n = index->size();
  const auto k = static_cast<size_t>(request.k);
  if (n <= k)
    return Status::FailedPrecondition(
        fmt::format("index '{}' has {} chunks; tuning needs more than k", name, n));
  // Queries: evenly spaced chunks of the index; each one's own row is left out of both result
  // lists, so the truth is its k nearest other chunks.
  const size_t queries = std::min(static_cast<size_t>(request.queries), n);
  std::vector<std::uint32_t> query_rows;
  for (size_t i = 0; i < queries; ++i) query_rows.push_back(static_cast<std::uint32_t>(i * n / queries));
  const auto dims = static_cast<size_t>(d.dims);
  std::vector<std::vector<std::uint32_t>> truth;
  for (auto row : query_rows) {
    std::vector<float> q(index->VectorOf(row), index->VectorOf(row) + dims);
    SearchOptions exact;
    exact.k = request.k + 1;
    exact.exact = true;
    LH_ASSIGN_OR_RETURN(auto outcome, index->Search(q, exact));
    std::vector<std::uint32_t> rows;
    for (const auto& h : outcome.hits) {
      if (h.row != row && rows.size() < k) rows.push_back(h.row);
    }
    truth.push_back(std::move(rows));
  }
  Json trials = Json::array();
  std::optional<Json> chosen;
  for (int m : request.m) {
    for (int efc : request.ef_construction) {
      if (efc < m) continue;
      HnswParams params{m, efc, d.hnsw.ef_search};
      auto build_started = std::chrono::steady_clock::now();
      LH_ASSIGN_OR_RETURN(auto variant, index->Rebuilt(params));
      const double build_s = MsSince(build_started) / 1000;
      for (int ef : request.ef_search) {
        std::vector<double> latencies_us;
        double recall_sum = 0;
        for (size_t qi = 0; qi < query_rows.size(); ++qi) {
          std::vector<float> q(index->VectorOf(query_rows[qi]), index->VectorOf(query_rows[qi]) + dims);
          auto t = std::chrono::steady_clock::now();
          LH_ASSIGN_OR_RETURN(auto hits, variant->SearchHnsw(q, request.k + 1, ef));
          latencies_us.push_back(MsSince(t) * 1000);
          std::unordered_set<std::uint32_t> want(truth[qi].begin(), truth[qi].end());
          size_t got = 0, counted = 0;
          for (const auto& h : hits) {
            if (h.row == query_rows[qi] || counted == k) continue;
            ++counted;
            if (want.contains(h.row)) ++got;
          }
          recall_sum +=
              truth[qi].empty() ? 1.0 : static_cast<double>(got) / static_cast<double>(truth[qi].size());
        }
        std::sort(latencies_us.begin(), latencies_us.end());
        auto pct = [&](double p) {
          return latencies_us[static_cast<size_t>(p * static_cast<double>(latencies_us.size() - 1))];
        };
        Json trial = {{"index", name},
                      {"generation", d.generation},
                      {"model", d.model},
                      {"chunks", n},
                      {"m", m},
                      {"ef_construction", efc},
                      {"ef_search", ef},
                      {"k", request.k},
                      {"queries", query_rows.size()},
                      {"recall", recall_sum / static_cast<double>(query_rows.size())},
                      {"p50_us", pct(0.5)},
                      {"p95_us", pct(0.95)},
                      {"build_seconds", build_s},
                      {"recorded_at_us", NowUs()}};
        if (record) record(trial);
        const bool meets = trial["recall"].get<double>() >= request.target_recall;
        if (meets && (!chosen || trial["p50_us"].get<double>() < (*chosen)["p50_us"].get<double>()))
          chosen = trial;
        trials.push_back(std::move(trial));
      }
    }
  }
  Json out = {{"index", name}, {"target_recall", request.target_recall}, {"trials", trials}};
  if (chosen) {
    out["chosen"] = *chosen;
    if (request.adopt) {
      CreateIndexRequest rebuild;
      rebuild.name = d.name;
      rebuild.dataset = d.dataset;
      rebuild.text_column = d.text_column;
      rebuild.id_column = d.id_column;
      rebuild.profile = d.profile;
      rebuild.chunking = d.chunking;
      rebuild.hnsw = {(*chosen)["m"].get<int>(), (*chosen)["ef_construction"].get<int>(),
                      (*chosen)["ef_search"].get<int>()};
      LH_ASSIGN_OR_RETURN(out["adopted"], CreateIndex(rebuild));
    }
  } else {
    out["chosen"] = nullptr;
    out["hint"] = "no setting reached the target recall; try larger ef_search or m";
  }
  return out;
}

}  // namespace lakehouse::vector
