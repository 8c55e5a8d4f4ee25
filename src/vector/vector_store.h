// VectorStore: the named vector indexes of a Lakehouse -- building them in the background,
// loading them from the buckets at start, swapping in new generations, and searching them.
//
// An index covers one text column of one dataset. Creating an index (or creating it again under
// the same name: a rebuild) starts a background job that reads the dataset through the query
// service, chunks the text, embeds the chunks with the profile's embedder, builds the HNSW graph,
// saves the generation to the dataset's bucket and then swaps it in atomically: searches keep
// using the previous generation until the new one is committed, and never see a half-built one.
// A rebuild re-embeds only documents whose text changed (same content hash, model and chunking:
// the previous generation's vectors are reused). Several indexes over the same data (different
// models, chunking, HNSW settings) coexist under different names.
//
// Searches: "vector" ranks chunks by cosine similarity (one hit per document, its best chunk);
// "hybrid" fuses that ranking with BM25 over the chunk texts by reciprocal rank fusion. A filter
// is a SQL predicate over the dataset's columns, evaluated in the read-only query sandbox; the
// search then only returns documents it allows, exactly (see VectorIndex::Search).
//
// Incremental: once the dataset changes (upserts, deletes), the next search checks the current
// generation against it and leaves out, at once, every document that was deleted or whose text
// changed; with refresh_in_background it also starts a rebuild, which re-embeds only the new and
// changed documents and swaps in as usual.
//
// Thread-safety: every method may be called from many threads at once. The destructor cancels
// running builds and waits for them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ai/model_registry.h"
#include "catalog/catalog.h"
#include "common/json.h"
#include "common/status.h"
#include "engine/database.h"
#include "query/query_service.h"
#include "storage/bucket_registry.h"
#include "vector/vector_index.h"

namespace lakehouse::vector {

struct VectorStoreOptions {
  engine::DatabaseOptions engine;  //!< for the private Parquet / fts engines (extension dir etc.)
  std::string scratch_dir;         //!< parent of scratch directories; empty: the system temp dir
  int max_k = 1000;                //!< the largest k a search may ask for
  int embed_batch = 8;  //!< chunks per Embed call while building (a cancelled build stops after one)
  //! When a search finds the dataset changed since the index was built, start a rebuild that
  //! re-embeds only new and changed documents. Off for short-lived processes (the CLI).
  bool refresh_in_background = true;
};

//! POST /vectors/indexes.
struct CreateIndexRequest {
  std::string name;
  std::string dataset;
  std::string text_column;
  std::string id_column;  //!< empty: the dataset's primary key
  std::string profile;    //!< empty: ai.embed_profile
  ChunkingOptions chunking;
  HnswParams hnsw;
};

//! Parses {"name", "dataset", "column", "id_column"?, "profile"?, "chunking"?, "hnsw"?}.
//! InvalidArgument naming every problem.
Result<CreateIndexRequest> CreateIndexRequestFromJson(const Json& body);

//! POST /vectors/{index}/search.
struct VectorSearchRequest {
  std::string text;                  //!< the query text (embedded with the index's profile), or
  std::vector<float> vector;         //!< a query vector of the index's dims
  int k = 10;                        //!< documents wanted
  std::optional<int> ef;             //!< HNSW candidate list for this query
  std::string filter;                //!< SQL predicate over the dataset's columns; empty: none
  std::vector<std::string> columns;  //!< dataset columns to return with each hit
  bool hybrid = false;               //!< fuse with BM25 (needs text)
  bool exact = false;                //!< brute force (the ground truth)
};

//! Parses {"text" | "vector", "k"?, "ef"?, "filter"?, "columns"?, "mode"?: vector|hybrid,
//! "exact"?}. InvalidArgument naming the problem (`max_k` bounds k).
Result<VectorSearchRequest> VectorSearchRequestFromJson(const Json& body, int max_k);

//! One hit: a document, its best chunk and the chunk's scores.
struct DocumentHit {
  std::string doc_id;
  int chunk_id = 0;
  std::string chunk_text;
  double score = 0;                     //!< cosine similarity (vector) or fused RRF score (hybrid)
  std::optional<double> vector_score;   //!< hybrid: the cosine similarity, if ranked by vector
  std::optional<double> keyword_score;  //!< hybrid: the BM25 score, if matched by keywords
  Json columns = Json::object();        //!< the asked-for dataset columns
};

struct VectorSearchResponse {
  IndexDescriptor index;
  std::vector<DocumentHit> hits;
  std::string method;         //!< exact | hnsw | hnsw+exact | hybrid(...)
  std::int64_t allowed = -1;  //!< documents the filter allowed (-1: no filter)
  double elapsed_ms = 0;
};

Json SearchResponseToJson(const VectorSearchResponse& response);

//! A tuning request (POST /vectors/{index}/tune).
struct TuneRequest {
  std::vector<int> m = {8, 16, 32};
  std::vector<int> ef_construction = {64, 128};
  std::vector<int> ef_search = {16, 32, 64, 128};
  int k = 10;
  int queries = 200;            //!< chunks of the index used as queries
  double target_recall = 0.95;  //!< adopt the cheapest setting that reaches it
  bool adopt = false;           //!< make the chosen setting the index's (a new generation)
};

Result<TuneRequest> TuneRequestFromJson(const Json& body);

class VectorStore {
 public:
  //! Loads the newest committed generation of every index in every bucket. An index that fails to
  //! load is reported by Describe (state "failed") and can be rebuilt; it does not stop the store.
  static Result<std::unique_ptr<VectorStore>> Open(catalog::Catalog& catalog, BucketRegistry& buckets,
                                                   query::QueryService& query, ai::ModelRegistry& models,
                                                   VectorStoreOptions options);
  ~VectorStore();
  VectorStore(const VectorStore&) = delete;
  VectorStore& operator=(const VectorStore&) = delete;

  //! Checks the request (dataset, columns, profile) and starts building the index in the
  //! background; returns its state (as Describe). InvalidArgument / NotFound for a bad request,
  //! FailedPrecondition if a build of the same name is already running.
  Result<Json> CreateIndex(const CreateIndexRequest& request);

  //! {"name", "state": building|ready|failed, "progress", "error"?, "current"?: descriptor}.
  //! NotFound for an unknown index.
  Result<Json> Describe(const std::string& name) const;

  //! Describe of every index, sorted by name.
  Json List() const;

  //! Searches the current generation of `name`. NotFound for an unknown index, FailedPrecondition
  //! if it has no ready generation yet (still building), InvalidArgument for a bad request or a
  //! filter that is not a valid predicate (with the engine's message). Never returns a document
  //! that is no longer in the dataset, or whose text changed since the index was built; the first
  //! search after a change of the dataset pays for that check (one scan of the ids and texts).
  Result<VectorSearchResponse> Search(const std::string& name, const VectorSearchRequest& request) const;

  //! The chunks of document `doc_id` in the current generation of `name`, from memory:
  //! {"index", "generation", "model", "doc_id", "chunks": [{"chunk_id", "chunk_text",
  //! "content_hash", "vector"? (with_vectors)}]}. NotFound for an unknown index or a document the
  //! index does not hold (or no longer may return: deleted or changed since the build),
  //! FailedPrecondition while the index has no ready generation.
  Result<Json> Document(const std::string& name, const std::string& doc_id, bool with_vectors) const;

  //! Runs tuning trials on the current generation: builds a graph per (m, ef_construction), and
  //! for each ef_search measures recall@k against exact search and the mean latency. Returns
  //! {"trials": [...], "chosen"?}; with adopt, rebuilds the index with the chosen setting.
  //! Each trial is passed to `record` (the trial journal) as it completes.
  Result<Json> Tune(const std::string& name, const TuneRequest& request,
                    const std::function<void(const Json& trial)>& record);

  //! Blocks until no build is running (for tests and the demo). False on timeout.
  bool WaitForBuilds(std::chrono::milliseconds timeout) const;

  //! {"indexes", "ready", "building", "failed"}.
  Json Health() const;

 private:
  struct Impl;
  explicit VectorStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::vector
