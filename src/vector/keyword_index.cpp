#include "vector/keyword_index.h"

#include <fmt/format.h>

#include "engine/appender.h"
#include "engine/connection.h"
#include "engine/prepared_statement.h"
#include "engine/value.h"

namespace lakehouse::vector {

KeywordIndex::~KeywordIndex() = default;

Result<std::unique_ptr<KeywordIndex>> KeywordIndex::Build(const VectorIndex& index,
                                                          const engine::DatabaseOptions& engine_options) {
  engine::DatabaseOptions options = engine_options;
  options.path.clear();
  if (options.threads == 0 || options.threads > 2) options.threads = 2;
  auto database = engine::Database::Open(options);
  if (!database.ok()) return database.status().WithContext("cannot start the keyword index's engine");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(**database));
  LH_RETURN_IF_ERROR(connection.Execute("LOAD fts"));
  LH_RETURN_IF_ERROR(connection.Execute("CREATE TABLE chunks (row_id BIGINT, chunk_text VARCHAR)"));
  {
    LH_ASSIGN_OR_RETURN(auto appender, engine::Appender::Open(connection, "", "chunks"));
    for (std::uint32_t row = 0; row < index.size(); ++row) {
      LH_RETURN_IF_ERROR(
          appender.AppendRow({engine::Value::Integer(row), engine::Value::Varchar(index.chunk(row).text)}));
    }
    LH_RETURN_IF_ERROR(appender.Close());
  }
  LH_RETURN_IF_ERROR(
      connection.Execute("PRAGMA create_fts_index('chunks', 'row_id', 'chunk_text', stemmer = 'porter', "
                         "stopwords = 'english')"));
  return std::unique_ptr<KeywordIndex>(new KeywordIndex(std::move(database).value()));
}

Result<std::vector<ChunkHit>> KeywordIndex::Search(const std::string& text, std::size_t limit) const {
  if (text.empty()) return Status::InvalidArgument("the keyword query is empty");
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));
  LH_ASSIGN_OR_RETURN(
      auto statement,
      connection.Prepare("SELECT row_id, score FROM (SELECT row_id, fts_main_chunks.match_bm25(row_id, "
                         "$1) AS score FROM chunks) WHERE score IS NOT NULL ORDER BY score DESC, row_id "
                         "LIMIT $2"));
  LH_RETURN_IF_ERROR(statement.Bind(1, engine::Value::Varchar(text)));
  LH_RETURN_IF_ERROR(statement.Bind(2, engine::Value::Integer(static_cast<std::int64_t>(limit))));
  LH_ASSIGN_OR_RETURN(auto result, statement.Execute());
  std::vector<ChunkHit> hits;
  while (true) {
    LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
    if (!chunk) break;
    for (std::size_t r = 0; r < chunk->size(); ++r) {
      hits.push_back({static_cast<std::uint32_t>(chunk->GetValue(0, r).AsInt64().value_or(0)),
                      static_cast<float>(chunk->GetValue(1, r).AsDouble().value_or(0))});
    }
  }
  return hits;
}

}  // namespace lakehouse::vector
