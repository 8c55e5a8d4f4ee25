#include "vector/vector_index.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "catalog/dataset_manifest.h"
#include "catalog/file_transfer.h"
#include "catalog/scratch_directory.h"
#include "engine/appender.h"
#include "engine/connection.h"
#include "engine/sql_text.h"
#include "engine/value.h"

namespace lakehouse::vector {
namespace {

constexpr const char* kDescriptorObject = "index.json";
constexpr const char* kEmbeddingsObject = "embeddings.parquet";
constexpr const char* kGraphObject = "hnsw.bin";
constexpr const char* kFragmentsDir = "fragments/";

Result<int> IntIn(const Json& json, const char* key, int fallback, int low, int high) {
  if (!json.contains(key) || json[key].is_null()) return fallback;
  if (!json[key].is_number_integer() || json[key].get<int64_t>() < low || json[key].get<int64_t>() > high)
    return Status::InvalidArgument(fmt::format("\"{}\" must be an integer from {} to {}", key, low, high));
  return json[key].get<int>();
}

// Best first: higher score, then lower row (a stable order for equal scores).
bool Better(const ChunkHit& a, const ChunkHit& b) {
  return a.score != b.score ? a.score > b.score : a.row < b.row;
}

engine::DatabaseOptions PrivateEngine(const engine::DatabaseOptions& engine) {
  engine::DatabaseOptions options = engine;
  options.path.clear();  // private and in memory: nothing durable lives here
  if (options.threads == 0 || options.threads > 2) options.threads = 2;
  return options;
}

// Reads `size` bytes at `offset` of `fd` into `out`. False on a short file or an error.
bool ReadAt(int fd, char* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t got = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    size -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

}  // namespace

Status ValidateHnsw(const HnswParams& p) {
  if (p.m < 2 || p.m > 100)
    return Status::InvalidArgument(fmt::format("hnsw.m must be 2..100 (got {})", p.m));
  if (p.ef_construction < p.m || p.ef_construction > 2000)
    return Status::InvalidArgument(
        fmt::format("hnsw.ef_construction must be from m ({}) to 2000 (got {})", p.m, p.ef_construction));
  if (p.ef_search < 1 || p.ef_search > 5000)
    return Status::InvalidArgument(fmt::format("hnsw.ef_search must be 1..5000 (got {})", p.ef_search));
  return Status::OK();
}

Json HnswToJson(const HnswParams& p) {
  return {{"m", p.m}, {"ef_construction", p.ef_construction}, {"ef_search", p.ef_search}};
}

Result<HnswParams> HnswFromJson(const Json& json, HnswParams defaults) {
  if (!json.is_object())
    return Status::InvalidArgument("hnsw must be an object {\"m\", \"ef_construction\", \"ef_search\"}");
  for (const auto& [key, value] : json.items()) {
    if (key != "m" && key != "ef_construction" && key != "ef_search")
      return Status::InvalidArgument(
          fmt::format("hnsw has an unknown field \"{}\" (m, ef_construction, ef_search)", key));
  }
  HnswParams p = defaults;
  LH_ASSIGN_OR_RETURN(p.m, IntIn(json, "m", p.m, 2, 100));
  LH_ASSIGN_OR_RETURN(p.ef_construction, IntIn(json, "ef_construction", p.ef_construction, 2, 2000));
  LH_ASSIGN_OR_RETURN(p.ef_search, IntIn(json, "ef_search", p.ef_search, 1, 5000));
  LH_RETURN_IF_ERROR(ValidateHnsw(p));
  return p;
}

std::string IndexDescriptor::Prefix() const { return fmt::format("vectors/{}/g{}/", name, generation); }

Json DescriptorToJson(const IndexDescriptor& d) {
  return {{"name", d.name},
          {"dataset", d.dataset},
          {"dataset_version", d.dataset_version},
          {"bucket", d.bucket},
          {"text_column", d.text_column},
          {"id_column", d.id_column},
          {"profile", d.profile},
          {"model", d.model},
          {"model_version", d.model_version},
          {"dims", d.dims},
          {"generation", d.generation},
          {"created_at_us", d.created_at_us},
          {"created_at", catalog::IsoTimeFromMicros(d.created_at_us)},
          {"chunking", ChunkingToJson(d.chunking)},
          {"hnsw", HnswToJson(d.hnsw)},
          {"doc_count", d.doc_count},
          {"chunk_count", d.chunk_count},
          {"embedded_chunks", d.embedded_chunks},
          {"truncated_chunks", d.truncated_chunks},
          {"embed_seconds", d.embed_seconds},
          {"build_seconds", d.build_seconds},
          {"fragments", d.fragments},
          {"appended_chunks", d.appended_chunks}};
}

Result<IndexDescriptor> DescriptorFromJson(const Json& json) {
  if (!json.is_object()) return Status::InvalidArgument("an index descriptor must be a JSON object");
  IndexDescriptor d;
  try {
    d.name = json.at("name").get<std::string>();
    d.dataset = json.at("dataset").get<std::string>();
    d.dataset_version = json.at("dataset_version").get<int64_t>();
    d.bucket = json.at("bucket").get<std::string>();
    d.text_column = json.at("text_column").get<std::string>();
    d.id_column = json.at("id_column").get<std::string>();
    d.profile = json.at("profile").get<std::string>();
    d.model = json.at("model").get<std::string>();
    d.model_version = json.at("model_version").get<std::string>();
    d.dims = json.at("dims").get<int>();
    d.generation = json.at("generation").get<int64_t>();
    d.created_at_us = json.at("created_at_us").get<int64_t>();
    d.doc_count = json.at("doc_count").get<int64_t>();
    d.chunk_count = json.at("chunk_count").get<int64_t>();
    d.embedded_chunks = json.value("embedded_chunks", int64_t{0});
    d.truncated_chunks = json.value("truncated_chunks", int64_t{0});
    d.embed_seconds = json.value("embed_seconds", 0.0);
    d.build_seconds = json.value("build_seconds", 0.0);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("index descriptor field missing or mistyped: {}", e.what()));
  }
  if (!json.contains("chunking") || !json.contains("hnsw"))
    return Status::InvalidArgument("index descriptor lacks chunking or hnsw");
  Json chunking = json["chunking"];
  LH_ASSIGN_OR_RETURN(d.chunking, ChunkingFromJson(chunking));
  LH_ASSIGN_OR_RETURN(d.hnsw, HnswFromJson(json["hnsw"]));
  if (d.dims < 1) return Status::InvalidArgument("index descriptor has no dims");
  return d;
}

std::string_view SearchMethodName(SearchMethod method) {
  switch (method) {
    case SearchMethod::kExact: return "exact";
    case SearchMethod::kHnsw: return "hnsw";
    case SearchMethod::kHnswWithExactFallback: return "hnsw+exact";
  }
  return "exact";
}

// Reads a graph file in hnswlib's format (HierarchicalNSW::saveIndex) into a graph whose fields
// it sets as hnswlib's loadIndex does, except that level 0 (each element's vector, links and
// label: nearly the whole file) is not copied but mapped read-only, straight from the page cache.
// hnswlib's own loader seeks twice per element and then copies the file into fresh memory, which
// made it most of a cold start (100K x 768: 245 ms). Every size, offset and link is checked
// against the file before a search can follow it.
void HnswGraphDeleter::operator()(hnswlib::HierarchicalNSW<float>* graph) const {
  if (graph != nullptr && mapping != nullptr) graph->data_level0_memory_ = nullptr;  // not hnswlib's to free
  delete graph;
  if (mapping != nullptr) ::munmap(mapping, mapping_size);
}

Result<VectorIndex::GraphPtr> VectorIndex::ReadGraph(const std::string& path,
                                                     hnswlib::InnerProductSpace& space) {
  using Graph = hnswlib::HierarchicalNSW<float>;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Status::IOError(fmt::format("cannot stat {}: {}", path, std::strerror(errno)));
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  struct Header {
    std::size_t offset_level0, max_elements, count, size_per_element, label_offset, offset_data;
    int max_level;
    hnswlib::tableint enter_point;
    std::size_t max_m, max_m0, m;
    double mult;
    std::size_t ef_construction;
  } h{};
  constexpr std::size_t kHeaderBytes = 6 * sizeof(std::size_t) + sizeof(int) + sizeof(hnswlib::tableint) +
                                       3 * sizeof(std::size_t) + sizeof(double) + sizeof(std::size_t);
  std::array<char, kHeaderBytes> raw{};
  auto corrupt = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("{} is not a whole HNSW graph ({})", path, why));
  };
  if (!ReadAt(fd, raw.data(), raw.size(), 0)) return corrupt("shorter than its header");
  {
    const char* at = raw.data();
    auto take = [&](auto& field) {
      std::memcpy(&field, at, sizeof field);
      at += sizeof field;
    };
    take(h.offset_level0), take(h.max_elements), take(h.count), take(h.size_per_element);
    take(h.label_offset), take(h.offset_data), take(h.max_level), take(h.enter_point);
    take(h.max_m), take(h.max_m0), take(h.m), take(h.mult), take(h.ef_construction);
  }
  const std::size_t data_size = space.get_data_size();
  const std::size_t links0 = h.max_m0 * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  if (h.m < 2 || h.m > 10000 || h.max_m != h.m || h.max_m0 != 2 * h.m || h.offset_level0 != 0 ||
      h.offset_data != links0 || h.label_offset != links0 + data_size ||
      h.size_per_element != links0 + data_size + sizeof(hnswlib::labeltype))
    return corrupt("its layout does not match vectors of this index's dims");
  if (h.count > std::numeric_limits<hnswlib::tableint>::max() ||
      h.count > (file_size - kHeaderBytes) / h.size_per_element)
    return corrupt("the element count exceeds the file");
  if (h.count > 0 && (h.enter_point >= h.count || h.max_level < 0 || h.max_level > 64))
    return corrupt("bad entry point");
  const std::size_t level0_bytes = h.count * h.size_per_element;
  const std::size_t links_per_level = h.max_m * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);

  void* mapping =
      ::mmap(nullptr, static_cast<std::size_t>(file_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (mapping == MAP_FAILED)
    return Status::IOError(fmt::format("cannot map {}: {}", path, std::strerror(errno)));
  // From here on every pointer the deleter frees is set before anything can fail.
  GraphPtr graph(new Graph(&space), HnswGraphDeleter{mapping, static_cast<std::size_t>(file_size)});
  Graph& g = *graph;
  g.data_level0_memory_ = nullptr;
  g.linkLists_ = nullptr;
  g.visited_list_pool_ = nullptr;
  g.cur_element_count = 0;
  g.max_elements_ = std::max<std::size_t>(h.count, 1);
  g.offsetLevel0_ = h.offset_level0;
  g.size_data_per_element_ = h.size_per_element;
  g.label_offset_ = h.label_offset;
  g.offsetData_ = h.offset_data;
  g.maxlevel_ = h.max_level;
  g.enterpoint_node_ = h.enter_point;
  g.maxM_ = h.max_m;
  g.maxM0_ = h.max_m0;
  g.M_ = h.m;
  g.mult_ = h.mult;
  g.revSize_ = 1.0 / h.mult;
  g.ef_construction_ = h.ef_construction;
  g.ef_ = 10;
  g.num_deleted_ = 0;
  g.data_size_ = data_size;
  g.fstdistfunc_ = space.get_dist_func();
  g.dist_func_param_ = space.get_dist_func_param();
  g.size_links_per_element_ = links_per_level;
  g.size_links_level0_ = links0;
  g.linkLists_ = static_cast<char**>(std::calloc(g.max_elements_, sizeof(char*)));
  if (g.linkLists_ == nullptr) return Status::ResourceExhausted("not enough memory to load " + path);
  g.data_level0_memory_ = static_cast<char*>(mapping) + kHeaderBytes;
  g.visited_list_pool_ = new hnswlib::VisitedListPool(1, static_cast<int>(g.max_elements_));
  std::vector<std::mutex>(g.max_elements_).swap(g.link_list_locks_);
  std::vector<std::mutex>(Graph::max_update_element_locks).swap(g.link_list_update_locks_);
  g.element_levels_.assign(g.max_elements_, 0);

  // The upper levels: per element a 4-byte size, then that many bytes of links.
  const std::string_view rest(static_cast<const char*>(mapping) + kHeaderBytes + level0_bytes,
                              static_cast<std::size_t>(file_size) - kHeaderBytes - level0_bytes);
  std::size_t at = 0;
  g.label_lookup_.reserve(h.count);
  for (std::size_t i = 0; i < h.count; ++i) {
    unsigned int bytes = 0;
    if (rest.size() - at < sizeof bytes) return corrupt("the upper levels are cut short");
    std::memcpy(&bytes, rest.data() + at, sizeof bytes);
    at += sizeof bytes;
    if (bytes % links_per_level != 0 || bytes / links_per_level > 64 || rest.size() - at < bytes)
      return corrupt("bad upper-level links");
    if (bytes > 0) {
      g.linkLists_[i] = static_cast<char*>(std::malloc(bytes));
      if (g.linkLists_[i] == nullptr) return Status::ResourceExhausted("not enough memory to load " + path);
      std::memcpy(g.linkLists_[i], rest.data() + at, bytes);
      g.element_levels_[i] = static_cast<int>(bytes / links_per_level);
      at += bytes;
    }
    g.cur_element_count = i + 1;  // the destructor frees the link lists of counted elements
    g.label_lookup_.emplace(g.getExternalLabel(static_cast<hnswlib::tableint>(i)),
                            static_cast<hnswlib::tableint>(i));
    if (g.isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++g.num_deleted_;
  }
  if (at != rest.size()) return corrupt("trailing bytes");
  // Links must point at elements that exist, or a search would read outside the graph.
  for (std::size_t i = 0; i < h.count; ++i) {
    for (int level = 0; level <= g.element_levels_[i]; ++level) {
      hnswlib::linklistsizeint* list = g.get_linklist_at_level(static_cast<hnswlib::tableint>(i), level);
      const std::size_t n = g.getListCount(list);
      if (n > (level == 0 ? h.max_m0 : h.max_m)) return corrupt("a node has too many links");
      const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (std::size_t j = 0; j < n; ++j)
        if (links[j] >= h.count) return corrupt("a link points past the last element");
    }
  }
  if (h.count > 0 && g.element_levels_[h.enter_point] != h.max_level) return corrupt("bad entry point");
  return graph;
}

struct VectorIndex::Base {
  std::vector<ChunkRecord> chunks;
  std::unordered_map<std::string, std::vector<std::uint32_t>> rows_of_doc;
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  GraphPtr graph;
  std::vector<const float*> vector_of_row;  // points into graph's storage
  std::shared_mutex ef_mu;                  // shared: search at the default ef; unique: changing ef
};

struct VectorIndex::Fragment {
  std::int64_t seq = 0;
  std::int64_t dataset_version = 0;
  std::vector<ChunkRecord> chunks;
  std::vector<float> vectors;  // chunks.size() * dims
  // The documents whose earlier rows this fragment ends: the removed ones and every one it holds.
  std::unordered_set<std::string> removed;
  std::unordered_map<std::string, std::vector<std::uint32_t>> rows_of_doc;  // rows within the fragment

  // Fills rows_of_doc from the chunks, and adds every document they hold to `removed`.
  void IndexRows() {
    for (std::uint32_t row = 0; row < chunks.size(); ++row) {
      rows_of_doc[chunks[row].doc_id].push_back(row);
      removed.insert(chunks[row].doc_id);
    }
  }
};

namespace {

// Creates table `records` (doc_id, chunk_id, chunk_text, content_hash) holding `chunks`.
Status FillRecords(engine::Connection& connection, const std::vector<ChunkRecord>& chunks) {
  LH_RETURN_IF_ERROR(connection.Execute(
      "CREATE TABLE records (doc_id VARCHAR, chunk_id INTEGER, chunk_text VARCHAR, content_hash VARCHAR)"));
  LH_ASSIGN_OR_RETURN(auto records, engine::Appender::Open(connection, "", "records"));
  for (const ChunkRecord& c : chunks) {
    LH_RETURN_IF_ERROR(
        records.AppendRow({engine::Value::Varchar(c.doc_id), engine::Value::Integer(c.chunk_id),
                           engine::Value::Varchar(c.text), engine::Value::Varchar(c.content_hash)}));
  }
  return records.Close();
}

// Writes chunk records and their vectors (vector_of(i): dims floats) as an embeddings Parquet file
// at `path`, through a private in-memory engine.
Status WriteEmbeddings(const std::vector<ChunkRecord>& chunks,
                       const std::function<const float*(size_t)>& vector_of, size_t dims,
                       const std::string& path, const engine::DatabaseOptions& engine_options) {
  auto database = engine::Database::Open(PrivateEngine(engine_options));
  if (!database.ok()) return database.status().WithContext("cannot start the vector index's Parquet engine");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(**database));
  // The vectors go in as whole chunks of floats (never through text, never value by value) into a
  // table of their own, joined to the chunk records by position when the Parquet file is written.
  // Snappy, not zstd: float vectors hardly compress, and zstd doubled the write time.
  LH_RETURN_IF_ERROR(FillRecords(connection, chunks));
  LH_RETURN_IF_ERROR(connection.Execute(fmt::format("CREATE TABLE vectors (vector FLOAT[{}])", dims)));
  {
    LH_ASSIGN_OR_RETURN(auto vectors, engine::Appender::Open(connection, "", "vectors"));
    constexpr size_t kRowsPerCopy = 2048;
    std::vector<float> buffer;
    buffer.reserve(kRowsPerCopy * dims);
    for (size_t row = 0; row < chunks.size(); ++row) {
      const float* v = vector_of(row);
      buffer.insert(buffer.end(), v, v + dims);
      if (buffer.size() == kRowsPerCopy * dims || row + 1 == chunks.size()) {
        LH_RETURN_IF_ERROR(vectors.AppendFloatArrays(buffer, dims));
        buffer.clear();
      }
    }
    LH_RETURN_IF_ERROR(vectors.Close());
  }
  return connection.Execute(
      fmt::format("COPY (SELECT r.doc_id, r.chunk_id, r.chunk_text, v.vector, r.content_hash FROM records r "
                  "POSITIONAL JOIN vectors v) TO {} (FORMAT parquet, COMPRESSION snappy)",
                  engine::QuoteSqlString(path)));
}

// Writes chunk records alone (a fragment's) as a Parquet file at `path`.
Status WriteRecords(const std::vector<ChunkRecord>& chunks, const std::string& path,
                    const engine::DatabaseOptions& engine_options) {
  auto database = engine::Database::Open(PrivateEngine(engine_options));
  if (!database.ok()) return database.status().WithContext("cannot start the vector index's Parquet engine");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(**database));
  LH_RETURN_IF_ERROR(FillRecords(connection, chunks));
  return connection.Execute(
      fmt::format("COPY records TO {} (FORMAT parquet, COMPRESSION snappy)", engine::QuoteSqlString(path)));
}

// Reads the chunk records (doc_id, chunk_id, chunk_text, content_hash) of a Parquet file: an
// embeddings.parquet or a fragment's records.
Status ReadRecords(const std::string& path, const engine::DatabaseOptions& engine_options,
                   std::vector<ChunkRecord>& chunks) {
  auto database = engine::Database::Open(PrivateEngine(engine_options));
  if (!database.ok()) return database.status().WithContext("cannot start the vector index's Parquet engine");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(**database));
  LH_ASSIGN_OR_RETURN(
      auto result,
      connection.Query(fmt::format("SELECT doc_id, chunk_id, chunk_text, content_hash FROM read_parquet({})",
                                   engine::QuoteSqlString(path))));
  while (true) {
    LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
    if (!chunk) return Status::OK();
    for (size_t r = 0; r < chunk->size(); ++r) {
      ChunkRecord record;
      record.doc_id = std::string(chunk->GetValue(0, r).AsString().value_or(""));
      record.chunk_id = static_cast<int>(chunk->GetValue(1, r).AsInt64().value_or(0));
      record.text = std::string(chunk->GetValue(2, r).AsString().value_or(""));
      record.content_hash = std::string(chunk->GetValue(3, r).AsString().value_or(""));
      chunks.push_back(std::move(record));
    }
  }
}

// A local path for `key` of `bucket`: a directory bucket's objects are read where they lie (they
// are immutable once committed); a remote bucket's are fetched into scratch first.
Result<std::string> LocalFile(ObjectStore& bucket, const std::string& key, const std::string& scratch_parent,
                              std::unique_ptr<catalog::ScratchDirectory>& scratch) {
  auto uri = bucket.Uri(key);
  if (uri.ok() && !uri->empty() && uri->front() == '/') return *uri;
  if (scratch == nullptr) {
    LH_ASSIGN_OR_RETURN(scratch, catalog::ScratchDirectory::Create(scratch_parent, "vectors"));
  }
  const std::string path = scratch->File(std::string(key.substr(key.rfind('/') + 1)));
  LH_RETURN_IF_ERROR(catalog::DownloadFile(bucket, key, path));
  return path;
}

std::string RandomToken() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

}  // namespace

VectorIndex::VectorIndex(IndexDescriptor descriptor, std::shared_ptr<Base> base)
    : descriptor_(std::move(descriptor)), base_(std::move(base)), size_(base_->chunks.size()) {}

VectorIndex::~VectorIndex() = default;

std::size_t VectorIndex::graph_size() const { return base_->chunks.size(); }

Status VectorIndex::IndexRows() {
  // Every element of the graph is labelled with its row; one pass over the elements maps them.
  Base& b = *base_;
  b.vector_of_row.assign(b.chunks.size(), nullptr);
  for (hnswlib::tableint id = 0; id < b.graph->cur_element_count; ++id) {
    const hnswlib::labeltype row = b.graph->getExternalLabel(id);
    if (row < b.vector_of_row.size())
      b.vector_of_row[row] = reinterpret_cast<const float*>(b.graph->getDataByInternalId(id));
  }
  for (std::uint32_t row = 0; row < b.chunks.size(); ++row) {
    if (b.vector_of_row[row] == nullptr)
      return Status::InvalidArgument(fmt::format("the HNSW graph lacks chunk {}; rebuild the index", row));
  }
  b.rows_of_doc.clear();
  b.rows_of_doc.reserve(b.chunks.size());
  for (std::uint32_t row = 0; row < b.chunks.size(); ++row)
    b.rows_of_doc[b.chunks[row].doc_id].push_back(row);
  descriptor_.chunk_count = static_cast<int64_t>(b.chunks.size());
  descriptor_.doc_count = static_cast<int64_t>(b.rows_of_doc.size());
  descriptor_.fragments = 0;
  descriptor_.appended_chunks = 0;
  size_ = b.chunks.size();
  return Status::OK();
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Build(IndexDescriptor descriptor,
                                                        std::vector<ChunkRecord> chunks,
                                                        std::vector<float> vectors) {
  LH_RETURN_IF_ERROR(ValidateHnsw(descriptor.hnsw));
  const auto dims = static_cast<size_t>(descriptor.dims);
  if (dims == 0 || vectors.size() != chunks.size() * dims)
    return Status::InvalidArgument(fmt::format("{} vectors of {} floats do not match {} chunks of {} dims",
                                               vectors.size() / std::max<size_t>(dims, 1), dims,
                                               chunks.size(), dims));
  auto started = std::chrono::steady_clock::now();
  auto base = std::make_shared<Base>();
  base->chunks = std::move(chunks);
  std::unique_ptr<VectorIndex> index(new VectorIndex(std::move(descriptor), base));
  try {
    base->space = std::make_unique<hnswlib::InnerProductSpace>(dims);
    const size_t n = base->chunks.size();
    base->graph = GraphPtr(new hnswlib::HierarchicalNSW<float>(
        base->space.get(), std::max<size_t>(n, 1), static_cast<size_t>(index->descriptor_.hnsw.m),
        static_cast<size_t>(index->descriptor_.hnsw.ef_construction), 100));
    hnswlib::HierarchicalNSW<float>& graph = *base->graph;
    graph.setEf(static_cast<size_t>(index->descriptor_.hnsw.ef_search));
    // hnswlib allows concurrent addPoint for distinct labels; two workers use both cores.
    if (n > 0) graph.addPoint(vectors.data(), 0);
    const unsigned workers = n > 2000 ? std::max(1U, std::min(2U, std::thread::hardware_concurrency())) : 1U;
    std::atomic<size_t> next{1};
    std::mutex error_mu;
    std::string error;
    auto work = [&] {
      try {
        for (size_t row = next++; row < n; row = next++) graph.addPoint(vectors.data() + row * dims, row);
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mu);
        error = e.what();
        next = n;
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (!error.empty()) return Status::Internal("building the HNSW graph failed: " + error);
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("building the HNSW graph failed: {}", e.what()));
  }
  index->descriptor_.build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  LH_RETURN_IF_ERROR(index->IndexRows());
  return index;
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Rebuilt(const HnswParams& params) const {
  IndexDescriptor descriptor = descriptor_;
  descriptor.hnsw = params;
  const auto dims = static_cast<size_t>(descriptor_.dims);
  std::vector<ChunkRecord> chunks;
  std::vector<float> vectors;
  chunks.reserve(size_);
  vectors.reserve(size_ * dims);
  for (std::uint32_t row = 0; row < size_; ++row) {
    if (!live(row)) continue;
    chunks.push_back(chunk(row));
    vectors.insert(vectors.end(), VectorOf(row), VectorOf(row) + dims);
  }
  return Build(std::move(descriptor), std::move(chunks), std::move(vectors));
}

Status VectorIndex::Save(ObjectStore& bucket, const engine::DatabaseOptions& engine_options,
                         const std::string& scratch_parent) const {
  if (!fragments_.empty())
    return Status::FailedPrecondition(
        "an index with appended fragments is already saved; rebuild it to fold them into one graph");
  const std::string prefix = descriptor_.Prefix();
  LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(scratch_parent, "vectors"));
  const std::string parquet = scratch->File(kEmbeddingsObject);
  LH_RETURN_IF_ERROR(WriteEmbeddings(
      base_->chunks, [&](size_t row) { return base_->vector_of_row[row]; },
      static_cast<size_t>(descriptor_.dims), parquet, engine_options));
  auto uploaded = catalog::UploadFile(parquet, bucket, prefix + kEmbeddingsObject);
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the index's embeddings");
  const std::string graph_file = scratch->File(kGraphObject);
  try {
    base_->graph->saveIndex(graph_file);
  } catch (const std::exception& e) {
    return Status::IOError(fmt::format("cannot write the HNSW graph to {}: {}", graph_file, e.what()));
  }
  uploaded = catalog::UploadFile(graph_file, bucket, prefix + kGraphObject);
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the index's HNSW graph");
  // The descriptor is the commit point: written last, never replaced.
  Status st = bucket.PutIfAbsent(prefix + kDescriptorObject, ToJsonText(DescriptorToJson(descriptor_)));
  if (!st.ok()) return st.WithContext(fmt::format("cannot commit vector index generation {}", prefix));
  return Status::OK();
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Load(ObjectStore& bucket, const std::string& prefix,
                                                       const engine::DatabaseOptions& engine_options,
                                                       const std::string& scratch_parent) {
  LH_ASSIGN_OR_RETURN(auto descriptor_text, bucket.Get(prefix + kDescriptorObject));
  LH_ASSIGN_OR_RETURN(auto descriptor_json, ParseJson(descriptor_text));
  auto descriptor = DescriptorFromJson(descriptor_json);
  if (!descriptor.ok())
    return descriptor.status().WithContext(fmt::format("{}{}", prefix, kDescriptorObject));
  std::unique_ptr<catalog::ScratchDirectory> scratch;
  LH_ASSIGN_OR_RETURN(const std::string parquet,
                      LocalFile(bucket, prefix + kEmbeddingsObject, scratch_parent, scratch));
  LH_ASSIGN_OR_RETURN(const std::string graph_file,
                      LocalFile(bucket, prefix + kGraphObject, scratch_parent, scratch));
  // The chunk records (DuckDB reading the Parquet) and the graph load side by side.
  auto base = std::make_shared<Base>();
  Status chunks_status;
  std::thread chunk_reader([&] { chunks_status = ReadRecords(parquet, engine_options, base->chunks); });
  base->space = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(descriptor->dims));
  auto graph = ReadGraph(graph_file, *base->space);
  chunk_reader.join();
  LH_RETURN_IF_ERROR(chunks_status);
  if (!graph.ok()) return graph.status().WithContext(prefix + kGraphObject);
  base->graph = std::move(graph).value();
  if (base->graph->cur_element_count != base->chunks.size())
    return Status::InvalidArgument(
        fmt::format("{}: the HNSW graph holds {} vectors but the embeddings {} chunks; "
                    "rebuild the index",
                    prefix, base->graph->cur_element_count, base->chunks.size()));
  std::unique_ptr<VectorIndex> index(new VectorIndex(std::move(descriptor).value(), base));
  base->graph->setEf(static_cast<size_t>(index->descriptor_.hnsw.ef_search));
  if (Status indexed = index->IndexRows(); !indexed.ok()) return indexed.WithContext(prefix);
  return LoadFragments(std::move(index), bucket, prefix, engine_options, scratch_parent);
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::LoadFragments(std::unique_ptr<VectorIndex> index,
                                                                ObjectStore& bucket,
                                                                const std::string& prefix,
                                                                const engine::DatabaseOptions& engine_options,
                                                                const std::string& scratch_parent) {
  const std::string dir = prefix + kFragmentsDir;
  LH_ASSIGN_OR_RETURN(auto listed, bucket.List(dir));
  // Committed fragments are the {seq:08}.json objects; a Parquet file without one is left over
  // from an append that did not commit, and is ignored.
  std::map<std::int64_t, std::string> commits;
  for (const auto& info : listed) {
    std::string_view name = std::string_view(info.key).substr(dir.size());
    if (name.size() != 13 || !name.ends_with(".json")) continue;
    std::int64_t seq = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 8, seq);
    if (ec == std::errc() && end == name.data() + 8 && seq > 0) commits[seq] = info.key;
  }
  const auto dims = static_cast<size_t>(index->descriptor_.dims);
  std::unique_ptr<catalog::ScratchDirectory> scratch;
  std::int64_t expected = 1;
  for (const auto& [seq, key] : commits) {
    if (seq != expected)
      return Status::InvalidArgument(fmt::format(
          "{}: fragment {} is missing but fragment {} exists; rebuild the index", dir, expected, seq));
    ++expected;
    LH_ASSIGN_OR_RETURN(auto text, bucket.Get(key));
    auto json = ParseJson(text);
    if (!json.ok()) return json.status().WithContext(key);
    auto fragment = std::make_shared<Fragment>();
    fragment->seq = seq;
    std::string records_name, vectors_name;
    std::int64_t rows = 0;
    try {
      fragment->dataset_version = json->at("dataset_version").get<std::int64_t>();
      rows = json->at("rows").get<std::int64_t>();
      records_name = json->at("records").get<std::string>();
      vectors_name = json->at("vectors").get<std::string>();
      for (const auto& doc : json->at("removed_docs")) fragment->removed.insert(doc.get<std::string>());
    } catch (const std::exception& e) {
      return Status::InvalidArgument(fmt::format("{} is not a fragment commit: {}", key, e.what()));
    }
    if (rows > 0) {  // a fragment that only removes documents has no files
      const std::string stem = std::string(std::string_view(key).substr(dir.size(), 8)) + "-";
      if (!records_name.starts_with(stem) || !records_name.ends_with(".parquet") ||
          vectors_name != records_name.substr(0, records_name.size() - 8) + ".f32" ||
          records_name.find('/') != std::string::npos)
        return Status::InvalidArgument(fmt::format("{} names bad fragment files", key));
      LH_ASSIGN_OR_RETURN(const std::string path,
                          LocalFile(bucket, dir + records_name, scratch_parent, scratch));
      Status read = ReadRecords(path, engine_options, fragment->chunks);
      if (!read.ok()) return read.WithContext(dir + records_name);
      LH_ASSIGN_OR_RETURN(auto bytes, bucket.Get(dir + vectors_name));
      if (bytes.size() != fragment->chunks.size() * dims * sizeof(float))
        return Status::InvalidArgument(fmt::format(
            "{}{} holds {} bytes, not the {} vectors of {} floats its records need; rebuild the index", dir,
            vectors_name, bytes.size(), fragment->chunks.size(), dims));
      fragment->vectors.resize(fragment->chunks.size() * dims);
      std::memcpy(fragment->vectors.data(), bytes.data(), bytes.size());
    }
    if (static_cast<std::int64_t>(fragment->chunks.size()) != rows)
      return Status::InvalidArgument(
          fmt::format("{}{} holds {} rows but its commit says {}; rebuild the index", dir, records_name,
                      fragment->chunks.size(), rows));
    fragment->IndexRows();
    index = index->WithFragment(std::move(fragment));
  }
  return index;
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::Append(ObjectStore& bucket, std::vector<ChunkRecord> chunks,
                                                         std::vector<float> vectors,
                                                         const std::vector<std::string>& removed_docs,
                                                         std::int64_t dataset_version,
                                                         const engine::DatabaseOptions& engine_options,
                                                         const std::string& scratch_parent) const {
  const auto dims = static_cast<size_t>(descriptor_.dims);
  if (vectors.size() != chunks.size() * dims)
    return Status::InvalidArgument(
        fmt::format("{} floats do not match {} chunks of {} dims", vectors.size(), chunks.size(), dims));
  if (size_ + chunks.size() > std::numeric_limits<std::uint32_t>::max())
    return Status::ResourceExhausted("the index is full; rebuild it");
  auto fragment = std::make_shared<Fragment>();
  fragment->seq = fragments_.empty() ? 1 : fragments_.back()->seq + 1;
  fragment->dataset_version = dataset_version;
  fragment->chunks = std::move(chunks);
  fragment->vectors = std::move(vectors);
  fragment->removed.insert(removed_docs.begin(), removed_docs.end());
  fragment->IndexRows();
  // Durable before it is visible: the records (Parquet) and the vectors (raw little-endian
  // float32, written side by side on two threads), then the commit (put-if-absent).
  static_assert(std::endian::native == std::endian::little, "the .f32 object is the vectors' memory");
  const std::string dir = descriptor_.Prefix() + kFragmentsDir;
  const std::string stem = fmt::format("{:08}-{}", fragment->seq, RandomToken());
  const bool has_rows = !fragment->chunks.empty();
  if (has_rows) {
    Status vectors_stored;
    std::thread vector_writer([&] {
      vectors_stored = bucket.Put(dir + stem + ".f32",
                                  std::string_view(reinterpret_cast<const char*>(fragment->vectors.data()),
                                                   fragment->vectors.size() * sizeof(float)));
    });
    Status records_stored = [&]() -> Status {
      LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(scratch_parent, "vectors"));
      const std::string path = scratch->File(stem + ".parquet");
      LH_RETURN_IF_ERROR(WriteRecords(fragment->chunks, path, engine_options));
      return catalog::UploadFile(path, bucket, dir + stem + ".parquet").status();
    }();
    vector_writer.join();
    if (!records_stored.ok()) return records_stored.WithContext("cannot store the appended rows");
    if (!vectors_stored.ok()) return vectors_stored.WithContext("cannot store the appended vectors");
  }
  Json commit = {{"seq", fragment->seq},
                 {"dataset_version", dataset_version},
                 {"rows", fragment->chunks.size()},
                 {"dims", dims},
                 {"records", has_rows ? stem + ".parquet" : ""},
                 {"vectors", has_rows ? stem + ".f32" : ""},
                 {"removed_docs", removed_docs},
                 {"created_at_us", catalog::NowMicros()}};
  Status st = bucket.PutIfAbsent(fmt::format("{}{:08}.json", dir, fragment->seq), ToJsonText(commit));
  if (st.code() == StatusCode::kAlreadyExists)
    return Status::FailedPrecondition(
        fmt::format("another writer appended fragment {} to index '{}' first; load the index again and retry",
                    fragment->seq, descriptor_.name));
  if (!st.ok()) return st.WithContext(fmt::format("cannot commit fragment {} of {}", fragment->seq, dir));
  return WithFragment(std::move(fragment));
}

std::unique_ptr<VectorIndex> VectorIndex::WithFragment(std::shared_ptr<const Fragment> fragment) const {
  std::unique_ptr<VectorIndex> next(new VectorIndex(descriptor_, base_));
  next->fragments_ = fragments_;
  next->fragment_start_ = fragment_start_;
  next->size_ = size_ + fragment->chunks.size();
  // Rows of the documents this fragment replaces or removes are no longer live.
  std::int64_t ended_docs = 0;
  std::int64_t ended_rows = 0;
  std::shared_ptr<RowFilter> live;
  for (const auto& doc : fragment->removed) {
    const auto rows = RowsOf(doc);
    if (rows.empty()) continue;
    if (!live) {
      live = std::make_shared<RowFilter>(next->size_, true);
      if (live_) std::copy(live_->begin(), live_->end(), live->begin());
    }
    ++ended_docs;
    ended_rows += static_cast<std::int64_t>(rows.size());
    for (auto row : rows) (*live)[row] = false;
  }
  if (live) {
    next->live_ = std::move(live);
  } else if (live_) {
    auto extended = std::make_shared<RowFilter>(*live_);
    extended->resize(next->size_, true);
    next->live_ = std::move(extended);
  }
  next->fragment_start_.push_back(static_cast<std::uint32_t>(size_));
  next->fragments_.push_back(fragment);
  IndexDescriptor& d = next->descriptor_;
  d.dataset_version = fragment->dataset_version;
  d.fragments = static_cast<std::int64_t>(next->fragments_.size());
  d.appended_chunks += static_cast<std::int64_t>(fragment->chunks.size());
  d.chunk_count += static_cast<std::int64_t>(fragment->chunks.size()) - ended_rows;
  d.doc_count += static_cast<std::int64_t>(fragment->rows_of_doc.size()) - ended_docs;
  return next;
}

std::pair<std::size_t, std::size_t> VectorIndex::Locate(std::uint32_t row) const {
  const auto after = std::upper_bound(fragment_start_.begin(), fragment_start_.end(), row);
  const auto f = static_cast<std::size_t>(after - fragment_start_.begin()) - 1;
  return {f, row - fragment_start_[f]};
}

const ChunkRecord& VectorIndex::chunk(std::uint32_t row) const {
  if (row < base_->chunks.size()) return base_->chunks[row];
  const auto [f, local] = Locate(row);
  return fragments_[f]->chunks[local];
}

std::vector<std::uint32_t> VectorIndex::RowsOf(const std::string& doc_id) const {
  // The newest fragment that holds or removes the document decides; otherwise the graph's rows.
  for (std::size_t f = fragments_.size(); f-- > 0;) {
    const Fragment& fragment = *fragments_[f];
    if (auto found = fragment.rows_of_doc.find(doc_id); found != fragment.rows_of_doc.end()) {
      std::vector<std::uint32_t> rows;
      for (auto local : found->second) rows.push_back(fragment_start_[f] + local);
      return rows;
    }
    if (fragment.removed.contains(doc_id)) return {};
  }
  auto found = base_->rows_of_doc.find(doc_id);
  return found == base_->rows_of_doc.end() ? std::vector<std::uint32_t>{} : found->second;
}

const float* VectorIndex::VectorOf(std::uint32_t row) const {
  if (row < base_->chunks.size()) return base_->vector_of_row[row];
  const auto [f, local] = Locate(row);
  return fragments_[f]->vectors.data() + local * static_cast<std::size_t>(descriptor_.dims);
}

std::vector<ChunkHit> VectorIndex::SearchExact(const float* query, std::size_t k, const RowFilter* filter,
                                               bool graph_rows, bool appended_rows) const {
  auto distance = base_->space->get_dist_func();
  void* param = base_->space->get_dist_func_param();
  std::vector<ChunkHit> hits;
  hits.reserve(std::min(k + 1, size_));
  // A bounded selection: keep the k best seen so far as a heap ordered worst-first.
  auto worse_on_top = [](const ChunkHit& a, const ChunkHit& b) { return Better(a, b); };
  auto consider = [&](std::uint32_t row, const float* vector) {
    if (filter != nullptr && !(*filter)[row]) return;
    ChunkHit hit{row, 1.0F - distance(query, vector, param)};
    if (hits.size() < k) {
      hits.push_back(hit);
      std::push_heap(hits.begin(), hits.end(), worse_on_top);
    } else if (Better(hit, hits.front())) {
      std::pop_heap(hits.begin(), hits.end(), worse_on_top);
      hits.back() = hit;
      std::push_heap(hits.begin(), hits.end(), worse_on_top);
    }
  };
  if (graph_rows) {
    for (std::uint32_t row = 0; row < base_->chunks.size(); ++row) consider(row, base_->vector_of_row[row]);
  }
  if (appended_rows) {
    const auto dims = static_cast<std::size_t>(descriptor_.dims);
    for (std::size_t f = 0; f < fragments_.size(); ++f) {
      const Fragment& fragment = *fragments_[f];
      for (std::uint32_t local = 0; local < fragment.chunks.size(); ++local)
        consider(fragment_start_[f] + local, fragment.vectors.data() + local * dims);
    }
  }
  std::sort(hits.begin(), hits.end(), Better);
  return hits;
}

std::vector<ChunkHit> VectorIndex::SearchGraph(const float* query, std::size_t k, std::size_t ef) const {
  std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
  hnswlib::HierarchicalNSW<float>& graph = *base_->graph;
  if (ef == static_cast<size_t>(descriptor_.hnsw.ef_search)) {
    std::shared_lock lock(base_->ef_mu);
    found = graph.searchKnn(query, k);
  } else {
    std::unique_lock lock(base_->ef_mu);
    graph.setEf(ef);
    found = graph.searchKnn(query, k);
    graph.setEf(static_cast<size_t>(descriptor_.hnsw.ef_search));
  }
  std::vector<ChunkHit> hits;
  hits.reserve(found.size());
  while (!found.empty()) {
    hits.push_back({static_cast<std::uint32_t>(found.top().second), 1.0F - found.top().first});
    found.pop();
  }
  std::sort(hits.begin(), hits.end(), Better);
  return hits;
}

Result<SearchOutcome> VectorIndex::Search(const std::vector<float>& query,
                                          const SearchOptions& options) const {
  if (query.size() != static_cast<size_t>(descriptor_.dims))
    return Status::InvalidArgument(fmt::format("the query vector has {} numbers; index '{}' needs {} ({})",
                                               query.size(), descriptor_.name, descriptor_.dims,
                                               descriptor_.model));
  if (options.k < 1) return Status::InvalidArgument("k must be at least 1");
  if (options.filter != nullptr && options.filter->size() != size_)
    return Status::Internal("the row filter does not match the index");
  // Rows replaced or removed by appended fragments are never returned.
  const RowFilter* filter = options.filter;
  RowFilter combined;
  if (live_ != nullptr) {
    if (filter == nullptr) {
      filter = live_.get();
    } else {
      combined = *filter;
      for (size_t row = 0; row < size_; ++row) combined[row] = combined[row] && (*live_)[row];
      filter = &combined;
    }
  }
  const auto k = static_cast<size_t>(options.k);
  const size_t n = size_;
  const size_t in_graph = base_->chunks.size();
  size_t allowed = n;
  size_t allowed_in_graph = in_graph;
  if (filter != nullptr) {
    allowed_in_graph = static_cast<size_t>(
        std::count(filter->begin(), filter->begin() + static_cast<std::ptrdiff_t>(in_graph), true));
    allowed =
        allowed_in_graph + static_cast<size_t>(std::count(
                               filter->begin() + static_cast<std::ptrdiff_t>(in_graph), filter->end(), true));
  }
  if (allowed == 0) return SearchOutcome{{}, SearchMethod::kExact};
  // Exact when asked, when small, or when a filter leaves few candidates: scanning `allowed`
  // vectors is then cheaper than a graph walk that would mostly visit disallowed nodes.
  if (options.exact || n < kExactBelowChunks || allowed <= kExactBelowChunks || allowed * 10 < n)
    return SearchOutcome{SearchExact(query.data(), k, filter, true, true), SearchMethod::kExact};
  const size_t ef = static_cast<size_t>(options.ef.value_or(descriptor_.hnsw.ef_search));
  SearchOutcome outcome{{}, SearchMethod::kHnsw};
  if (filter == nullptr) {
    outcome.hits = SearchGraph(query.data(), k, std::max(ef, k));
  } else if (allowed_in_graph > 0) {
    // Filtered: over-fetch in proportion to how much the filter removes, then keep allowed rows.
    const size_t want = std::min(in_graph, std::max(k, k * in_graph / allowed_in_graph * 2));
    outcome.hits = SearchGraph(query.data(), want, std::max(ef, want));
    std::erase_if(outcome.hits, [&](const ChunkHit& h) { return !(*filter)[h.row]; });
    if (outcome.hits.size() < std::min(k, allowed_in_graph)) {
      outcome.hits = SearchExact(query.data(), k, filter, true, false);
      outcome.method = SearchMethod::kHnswWithExactFallback;
    }
    if (outcome.hits.size() > k) outcome.hits.resize(k);
  }
  if (n > in_graph) {
    // Appended rows are not in the graph: scanned exactly, then merged.
    auto appended = SearchExact(query.data(), k, filter, false, true);
    outcome.hits.insert(outcome.hits.end(), appended.begin(), appended.end());
    std::sort(outcome.hits.begin(), outcome.hits.end(), Better);
    if (outcome.hits.size() > k) outcome.hits.resize(k);
  }
  return outcome;
}

Result<std::vector<ChunkHit>> VectorIndex::SearchHnsw(const std::vector<float>& query, int k, int ef) const {
  if (query.size() != static_cast<size_t>(descriptor_.dims))
    return Status::InvalidArgument(fmt::format("the query vector has {} numbers; index '{}' needs {}",
                                               query.size(), descriptor_.name, descriptor_.dims));
  if (k < 1 || ef < 1) return Status::InvalidArgument("k and ef must be at least 1");
  return SearchGraph(query.data(), static_cast<size_t>(k),
                     std::max(static_cast<size_t>(ef), static_cast<size_t>(k)));
}

Result<SearchOutcome> VectorIndex::SearchDocuments(const std::vector<float>& query,
                                                   const SearchOptions& options) const {
  if (options.k < 1) return Status::InvalidArgument("k must be at least 1");
  const auto docs = static_cast<size_t>(std::max<std::int64_t>(descriptor_.doc_count, 1));
  const auto chunks = static_cast<size_t>(std::max<std::int64_t>(descriptor_.chunk_count, 1));
  SearchOptions chunk_options = options;
  size_t want = static_cast<size_t>(options.k) * std::max<size_t>(1, (chunks + docs - 1) / docs);
  while (true) {
    chunk_options.k = static_cast<int>(std::min(want, size_));
    LH_ASSIGN_OR_RETURN(auto outcome, Search(query, chunk_options));
    std::vector<ChunkHit> best;
    std::unordered_set<std::string_view> seen;
    for (const auto& hit : outcome.hits) {
      if (seen.insert(chunk(hit.row).doc_id).second) best.push_back(hit);
      if (best.size() == static_cast<size_t>(options.k)) break;
    }
    // Enough documents, or every chunk the search could give was seen.
    if (best.size() == static_cast<size_t>(options.k) ||
        outcome.hits.size() < static_cast<size_t>(chunk_options.k) ||
        static_cast<size_t>(chunk_options.k) == size_) {
      outcome.hits = std::move(best);
      return outcome;
    }
    want *= 2;
  }
}

}  // namespace lakehouse::vector
