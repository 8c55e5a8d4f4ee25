#include "engine/merged_relation.h"

#include "engine/sql_text.h"

namespace lakehouse::engine {
namespace {

std::string PathList(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& path : paths) out += (out.empty() ? "" : ", ") + QuoteSqlString(path);
  return "[" + out + "]";
}

}  // namespace

std::string MergedRelationSql(const std::vector<std::string>& base_paths,
                              const std::vector<std::string>& delta_paths, const std::string& key_column) {
  const std::string base = "read_parquet(" + PathList(base_paths) + ")";
  if (delta_paths.empty()) return "(SELECT * FROM " + base + ")";
  const std::string key = QuoteSqlIdentifier(key_column);
  const std::string op = kDeltaOpColumn;
  const std::string seq = kDeltaSeqColumn;
  // The latest write per key wins. The anti join drops every base row that any delta touched
  // (upserted or deleted); the union adds back the latest upserts.
  return "(WITH lh_latest AS MATERIALIZED (SELECT * FROM read_parquet(" + PathList(delta_paths) +
         ") QUALIFY row_number() OVER (PARTITION BY " + key + " ORDER BY " + seq +
         " DESC) = 1) SELECT lh_base.* FROM " + base + " AS lh_base ANTI JOIN lh_latest ON lh_base." + key +
         " = lh_latest." + key + " UNION ALL SELECT * EXCLUDE (" + op + ", " + seq +
         ") FROM lh_latest WHERE " + op + " = 'upsert')";
}

}  // namespace lakehouse::engine
