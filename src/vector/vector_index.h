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
//
// Vectors are L2-normalised, so the score of a hit is the cosine similarity (inner product).
// Search is exact (every vector compared) when asked for, when the index is small, or when a
// filter leaves few candidates; otherwise HNSW, post-filtered, with an exact fallback whenever
// the graph search cannot fill k allowed hits (see docs/DECISIONS.md, ADR on vector search).
//
// Thread-safety: an index is immutable after Build/Load (a loaded graph's vectors and level-0
// links are mapped read-only from hnsw.bin); Search may run from many threads at once. A search with a
// non-default ef briefly takes an exclusive lock (hnswlib 0.6.2 keeps ef in the index rather than per query).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
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
  //! `bucket`. On failure the generation is not committed (no index.json).
  Status Save(ObjectStore& bucket, const engine::DatabaseOptions& engine,
              const std::string& scratch_parent) const;

  const IndexDescriptor& descriptor() const { return descriptor_; }
  std::size_t size() const { return chunks_.size(); }
  const ChunkRecord& chunk(std::uint32_t row) const { return chunks_[row]; }
  //! The rows of document `doc_id` (empty if it has none).
  const std::vector<std::uint32_t>& RowsOf(const std::string& doc_id) const;
  //! The vector of chunk `row` (dims floats).
  const float* VectorOf(std::uint32_t row) const;

  //! The k best chunks for `query` (dims floats, L2-normalised). InvalidArgument for a query of
  //! the wrong length or k < 1.
  Result<SearchOutcome> Search(const std::vector<float>& query, const SearchOptions& options) const;

  //! Like Search, but one hit per document (its best chunk): the k best documents.
  Result<SearchOutcome> SearchDocuments(const std::vector<float>& query, const SearchOptions& options) const;

  //! The k nearest chunks by the HNSW graph alone, candidate list max(ef, k), no filter and no
  //! exact fallback: what tuning trials and benchmarks measure. InvalidArgument as for Search.
  Result<std::vector<ChunkHit>> SearchHnsw(const std::vector<float>& query, int k, int ef) const;

  //! Builds another graph over the same vectors with `params` (for tuning trials).
  Result<std::unique_ptr<VectorIndex>> Rebuilt(const HnswParams& params) const;

 private:
  VectorIndex(IndexDescriptor descriptor, std::vector<ChunkRecord> chunks);
  SearchOutcome SearchExact(const float* query, std::size_t k, const RowFilter* filter) const;
  std::vector<ChunkHit> SearchGraph(const float* query, std::size_t k, std::size_t ef) const;
  //! Maps rows to their vectors in the graph and documents to their rows. InvalidArgument if the
  //! graph lacks a row.
  Status IndexRows();

  IndexDescriptor descriptor_;
  std::vector<ChunkRecord> chunks_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> rows_of_doc_;
  using GraphPtr = std::unique_ptr<hnswlib::HierarchicalNSW<float>, HnswGraphDeleter>;
  static Result<GraphPtr> ReadGraph(const std::string& path, hnswlib::InnerProductSpace& space);

  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  GraphPtr graph_;
  std::vector<const float*> vector_of_row_;  // points into graph_'s storage
  mutable std::shared_mutex ef_mu_;          // shared: search at the default ef; unique: changing ef
};

}  // namespace lakehouse::vector
