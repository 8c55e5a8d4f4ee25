// KeywordIndex: BM25 over the chunks of one vector index generation, for hybrid search.
//
// The chunk texts sit in a private in-memory DuckDB with the fts extension's inverted index
// (Porter stemmer, English stop words); a query's BM25 ranking comes from its match_bm25
// function. Built once per generation, on the first hybrid search.
//
// Thread-safety: Search may be called from many threads; each call uses its own connection.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/database.h"
#include "vector/vector_index.h"

namespace lakehouse::vector {

class KeywordIndex {
 public:
  //! Indexes the chunk texts of `index`. Errors: the engine's, e.g. if the fts extension is missing.
  static Result<std::unique_ptr<KeywordIndex>> Build(const VectorIndex& index,
                                                     const engine::DatabaseOptions& engine);

  ~KeywordIndex();
  KeywordIndex(const KeywordIndex&) = delete;
  KeywordIndex& operator=(const KeywordIndex&) = delete;

  //! Up to `limit` chunks matching `text`, best BM25 score first (score = BM25). Chunks matching no
  //! query term are not returned. InvalidArgument for an empty text.
  Result<std::vector<ChunkHit>> Search(const std::string& text, std::size_t limit) const;

 private:
  explicit KeywordIndex(std::unique_ptr<engine::Database> database) : database_(std::move(database)) {}
  std::unique_ptr<engine::Database> database_;
};

}  // namespace lakehouse::vector
