#include "engine/merged_relation.h"

#include "engine/sql_text.h"

namespace lakehouse::engine {
std::string MergedRelationSql(const std::vector<std::string>& base_paths,
                              const std::vector<std::string>& delta_paths, const std::string& key_column) {
  const std::string base = "read_parquet(" + QuoteSqlStringList(base_paths) + ")";
  if (delta_paths.empty()) return "(SELECT * FROM " + base + ")";
  const std::string key = QuoteSqlIdentifier(key_column);
  const std::string op = kDeltaOpColumn;
  const std::string seq = kDeltaSeqColumn;
  const std::string deltas = "read_parquet(" + QuoteSqlStringList(delta_paths) + ")";
  // Base rows are only probed against the set of keys the deltas touch (a hash table the size of
  // the deltas); they are never partitioned, sorted or compared with each other. Deduplication
  // (latest write per key) runs over delta rows only. No CTE: a materialised CTE would stop
  // DuckDB from pruning unused base columns through the union.
  return "(SELECT lh_base.* FROM " + base + " AS lh_base ANTI JOIN (SELECT " + key + " FROM " + deltas +
         ") AS lh_keys ON lh_base." + key + " = lh_keys." + key + " UNION ALL SELECT * EXCLUDE (" + op +
         ", " + seq + ") FROM " + deltas + " QUALIFY row_number() OVER (PARTITION BY " + key + " ORDER BY " +
         seq + " DESC) = 1 AND " + op + " = 'upsert')";
}

}  // namespace lakehouse::engine
