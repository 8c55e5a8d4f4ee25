// VectorIndex: one immutable generation of a vector index -- the chunks of a dataset's text
// column, their embeddings, and an HNSW graph over them -- held in memory for search.
//
// Durable form (in the dataset's bucket, under vectors/{name}/g{generation}/):
//   embeddings.parquet  doc_id VARCHAR, chunk_id INTEGER, chunk_text VARCHAR,
//                       vector FLOAT[dims], content_hash VARCHAR   (readable by any engine)
//   hnsw.bin            the HNSW graph with the vectors (hnswlib's format); loading it is
//                       what makes a cold start fast
//   index.json          the IndexDescriptor; written last, so it is the commit point: a
//                       generation without it is garbage from an interrupted build.
//   fragments/{seq:08}-{token}.parquet  rows appended after the graph was built: doc_id,
//                       chunk_id, chunk_text, content_hash
//   fragments/{seq:08}-{token}.f32      their vectors, row after row, as little-endian float32
//   fragments/{seq:08}.json             {"seq", "dataset_version", "rows", "dims", "records",
//                       "vectors", "removed_docs", "created_at_us"}: the fragment's commit point,
//                       written last with put-if-absent, so two writers cannot both append
//                       fragment seq; files without a commit are ignored.
//
// Appending (VectorIndex::Append) costs a Parquet write of the records and a raw write of the
// vectors, not a graph rebuild: appended rows are searched exactly next to the graph, and a
// document appended again, or removed, leaves the results at once (its earlier rows are no longer
// live). A rebuild folds the fragments into the next generation's graph (ADR-65).
//
// Vectors are L2-normalised, so the score of a hit is the cosine similarity (inner product).
// Search is exact (every vector compared) when asked for, when the index is small, or when a
// filter leaves few candidates; otherwise HNSW, post-filtered, with an exact fallback whenever
// the graph search cannot fill k allowed hits (see docs/DECISIONS.md, ADR on vector search).
//
// Thread-safety: an index is immutable after Build/Load/Append (a loaded graph's vectors and
// level-0 links are mapped read-only from hnsw.bin; Append returns a new index sharing the graph);
// Search may run from many threads at once. A search with a non-default ef briefly takes an
// exclusive lock on the shared graph (hnswlib 0.6.2 keeps ef in the index rather than per query).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "engine/database.h"
#include "storage/object_store.h"
#include "vector/text_chunker.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace lakehouse::vector {

//! HNSW build and search parameters.
struct HnswParams {
  int m = 16;                 //!< graph degree (2..100)
  int ef_construction = 100;  //!< candidate list while building (>= m, <= 2000)
  int ef_search = 64;         //!< candidate list while searching, default for queries (1..5000)

  bool operator==(const HnswParams& other) const = default;
};

//! InvalidArgument naming the bad parameter, OK otherwise.
Status ValidateHnsw(const HnswParams& params);
//! {"m", "ef_construction", "ef_search"}.
Json HnswToJson(const HnswParams& params);
//! Parses {"m"?, "ef_construction"?, "ef_search"?} over `defaults`. InvalidArgument naming the field.
Result<HnswParams> HnswFromJson(const Json& json, HnswParams defaults = {});

//! What one generation of an index is: recorded in index.json and shown by the API.
struct IndexDescriptor {
  std::string name;     //!< index name (same rules as dataset names)
  std::string dataset;  //!< the dataset whose column is indexed
  std::int64_t dataset_version = 0;
  std::string bucket;       //!< the dataset's bucket, where the index lives
  std::string text_column;  //!< the column that is chunked and embedded
  std::string id_column;    //!< the column whose value is a hit's doc_id
  std::string profile;      //!< the embedding profile used
  std::string model;        //!< model name, e.g. all-MiniLM-L6-v2
  std::string model_version;
  int dims = 0;
  std::int64_t generation = 0;  //!< 1, 2, ...: a rebuild makes the next one
  std::int64_t created_at_us = 0;
  ChunkingOptions chunking;
  HnswParams hnsw;
  std::int64_t doc_count = 0;
  std::int64_t chunk_count = 0;
  std::int64_t embedded_chunks = 0;   //!< chunks embedded for this generation (the rest were reused)
  std::int64_t truncated_chunks = 0;  //!< chunks longer than the model's context (cut when embedded)
  double embed_seconds = 0;           //!< time spent embedding
  double build_seconds = 0;           //!< time spent building the HNSW graph
  std::int64_t fragments = 0;         //!< fragments appended since (their rows are searched exactly)
  std::int64_t appended_chunks = 0;   //!< rows in those fragments

  //! "vectors/{name}/g{generation}/".
  std::string Prefix() const;
};

Json DescriptorToJson(const IndexDescriptor& descriptor);
//! InvalidArgument naming the first missing or mistyped field.
Result<IndexDescriptor> DescriptorFromJson(const Json& json);

//! One chunk of one document.
struct ChunkRecord {
  std::string doc_id;
  int chunk_id = 0;  //!< 0, 1, ... within the document
  std::string text;
  std::string content_hash;  //!< hex SHA-256 of the document's whole text
};

//! One search result: a chunk and its cosine similarity to the query.
struct ChunkHit {
  std::uint32_t row = 0;  //!< position of the chunk in the index
  float score = 0;
};

//! How a search ran, for the response and for tests.
enum class SearchMethod { kExact, kHnsw, kHnswWithExactFallback };
std::string_view SearchMethodName(SearchMethod method);

//! Which chunks a filtered search may return: allowed[row] for every row of the index.
using RowFilter = std::vector<bool>;

//! Search settings.
struct SearchOptions {
  int k = 10;                         //!< hits wanted (chunks, or documents with SearchDocuments)
  std::optional<int> ef;              //!< HNSW candidate list; default the index's ef_search
  bool exact = false;                 //!< force brute force (the ground truth)
  const RowFilter* filter = nullptr;  //!< only rows marked true may be returned
};

//! Hits, best first, and how they were found.
struct SearchOutcome {
  std::vector<ChunkHit> hits;
  SearchMethod method = SearchMethod::kExact;
};

//! Deletes an HNSW graph. A loaded graph's level 0 (vectors and links) is a read-only mapping of
//! its file, which hnswlib must not free: the deleter unmaps it instead.
struct HnswGraphDeleter {
  void* mapping = nullptr;
  std::size_t mapping_size = 0;
  void operator()(hnswlib::HierarchicalNSW<float>* graph) const;
};

class VectorIndex {
 public:
  //! Below this many chunks every search is exact (cheaper than walking a graph, and exact).
  static constexpr std::size_t kExactBelowChunks = 1024;

  //! Builds the HNSW graph over `vectors` (chunks.size() * dims floats, L2-normalised, in chunk
  //! order). InvalidArgument if the sizes disagree or a parameter is invalid; Internal if hnswlib
  //! fails (e.g. out of memory).
  static Result<std::unique_ptr<VectorIndex>> Build(IndexDescriptor descriptor,
                                                    std::vector<ChunkRecord> chunks,
                                                    std::vector<float> vectors);

  //! Loads the generation under `prefix` (ending in '/') from `bucket`: reads index.json,
  //! embeddings.parquet (ids and texts) and hnsw.bin (graph and vectors). NotFound if index.json is
  //! missing; InvalidArgument if the objects disagree with each other.
  static Result<std::unique_ptr<VectorIndex>> Load(ObjectStore& bucket, const std::string& prefix,
                                                   const engine::DatabaseOptions& engine,
                                                   const std::string& scratch_parent);

  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  //! Writes embeddings.parquet, hnsw.bin and finally index.json under descriptor().Prefix() in
  //! `bucket`. On failure the generation is not committed (no index.json). FailedPrecondition for
  //! an index with appended fragments (they are saved by Append; Rebuilt folds them in).
  Status Save(ObjectStore& bucket, const engine::DatabaseOptions& engine,
              const std::string& scratch_parent) const;

  //! Appends `chunks` (their `vectors`: chunks.size() * dims floats, L2-normalised) as the next
  //! fragment of this saved generation and returns the index with it; this index is unchanged.
  //! Every document in `chunks` replaces its earlier rows; the documents in `removed_docs` leave.
  //! `dataset_version` is the dataset version the index then reflects. The fragment is durable
  //! (committed) when this returns. InvalidArgument for mismatched sizes; FailedPrecondition if
  //! another writer appended the same fragment number first (load the index again).
  Result<std::unique_ptr<VectorIndex>> Append(ObjectStore& bucket, std::vector<ChunkRecord> chunks,
                                              std::vector<float> vectors,
                                              const std::vector<std::string>& removed_docs,
                                              std::int64_t dataset_version,
                                              const engine::DatabaseOptions& engine,
                                              const std::string& scratch_parent) const;

  const IndexDescriptor& descriptor() const { return descriptor_; }
  //! Rows: the graph's, then the appended fragments' (live or not).
  std::size_t size() const { return size_; }
  //! Rows in the HNSW graph (the first graph_size() rows); the rest are searched exactly.
  std::size_t graph_size() const;
  const ChunkRecord& chunk(std::uint32_t row) const;
  //! False for a row whose document was appended again or removed by a later fragment.
  bool live(std::uint32_t row) const { return live_ == nullptr || (*live_)[row]; }
  //! The live rows of document `doc_id` (empty if it has none).
  std::vector<std::uint32_t> RowsOf(const std::string& doc_id) const;
  //! The vector of chunk `row` (dims floats).
  const float* VectorOf(std::uint32_t row) const;

  //! The k best chunks for `query` (dims floats, L2-normalised). InvalidArgument for a query of
  //! the wrong length or k < 1.
  Result<SearchOutcome> Search(const std::vector<float>& query, const SearchOptions& options) const;

  //! Like Search, but one hit per document (its best chunk): the k best documents.
  Result<SearchOutcome> SearchDocuments(const std::vector<float>& query, const SearchOptions& options) const;

  //! The k nearest chunks by the HNSW graph alone, candidate list max(ef, k), no filter, no exact
  //! fallback and no appended rows: what tuning trials and benchmarks measure. InvalidArgument as
  //! for Search.
  Result<std::vector<ChunkHit>> SearchHnsw(const std::vector<float>& query, int k, int ef) const;

  //! Builds one graph over the live rows (appended ones too) with `params` (for tuning trials).
  Result<std::unique_ptr<VectorIndex>> Rebuilt(const HnswParams& params) const;

 private:
  struct Base;      // the graph and its rows, shared by an index and the indexes appended to it
  struct Fragment;  // the rows of one appended fragment
  using GraphPtr = std::unique_ptr<hnswlib::HierarchicalNSW<float>, HnswGraphDeleter>;

  VectorIndex(IndexDescriptor descriptor, std::shared_ptr<Base> base);
  //! Exact top k among the allowed rows: the graph's rows, the appended rows, or both.
  std::vector<ChunkHit> SearchExact(const float* query, std::size_t k, const RowFilter* filter,
                                    bool graph_rows, bool appended_rows) const;
  std::vector<ChunkHit> SearchGraph(const float* query, std::size_t k, std::size_t ef) const;
  //! Which fragment holds `row` (>= graph_size()), and where in it.
  std::pair<std::size_t, std::size_t> Locate(std::uint32_t row) const;
  //! This index with `fragment` appended after its rows.
  std::unique_ptr<VectorIndex> WithFragment(std::shared_ptr<const Fragment> fragment) const;
  //! Reads the committed fragments of the generation under `prefix` and appends them to `index`.
  static Result<std::unique_ptr<VectorIndex>> LoadFragments(std::unique_ptr<VectorIndex> index,
                                                            ObjectStore& bucket, const std::string& prefix,
                                                            const engine::DatabaseOptions& engine,
                                                            const std::string& scratch_parent);
  //! Maps rows to their vectors in the graph and documents to their rows. InvalidArgument if the
  //! graph lacks a row.
  Status IndexRows();
  static Result<GraphPtr> ReadGraph(const std::string& path, hnswlib::InnerProductSpace& space);

  IndexDescriptor descriptor_;
  std::shared_ptr<Base> base_;
  std::vector<std::shared_ptr<const Fragment>> fragments_;
  std::vector<std::uint32_t> fragment_start_;  // the first row of each fragment
  std::shared_ptr<const RowFilter> live_;      // null: every row is live
  std::size_t size_ = 0;
};

}  // namespace lakehouse::vector
