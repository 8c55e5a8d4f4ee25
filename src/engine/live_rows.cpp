#include "engine/live_rows.h"

#include <fmt/format.h>

#include <bit>
#include <utility>

#include "duckdb.h"
#include "engine/connection_state.h"
#include "engine/merged_relation.h"
#include "engine/sql_text.h"

namespace lakehouse::engine {
namespace {

// The lists the registered function serves; owned by the function's registration.
struct Registry {
  std::vector<std::shared_ptr<const FileMasks>> lists;
};

void DestroyRegistry(void* registry) { delete static_cast<Registry*>(registry); }

// lakehouse_live_row(list, file_index, file_row_number). DuckDB hands C API scalar functions flat
// vectors; in the merged views `list` is the same for every row, so its masks are looked up once
// per run of equal values.
void LiveRowCallback(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto& registry = *static_cast<const Registry*>(duckdb_scalar_function_get_extra_info(info));
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector vectors[3];
  std::uint64_t* validity[3];
  for (idx_t i = 0; i < 3; ++i) {
    vectors[i] = duckdb_data_chunk_get_vector(input, i);
    validity[i] = duckdb_vector_get_validity(vectors[i]);
  }
  const auto* lists = static_cast<const std::int64_t*>(duckdb_vector_get_data(vectors[0]));
  const auto* files = static_cast<const std::uint64_t*>(duckdb_vector_get_data(vectors[1]));
  const auto* positions = static_cast<const std::int64_t*>(duckdb_vector_get_data(vectors[2]));
  auto* out = static_cast<bool*>(duckdb_vector_get_data(output));
  const bool any_null = validity[0] != nullptr || validity[1] != nullptr || validity[2] != nullptr;
  std::uint64_t* out_validity = nullptr;
  if (any_null) {
    duckdb_vector_ensure_validity_writable(output);
    out_validity = duckdb_vector_get_validity(output);
  }
  const FileMasks* masks = nullptr;
  std::int64_t current = -1;
  for (idx_t row = 0; row < rows; ++row) {
    if (any_null &&
        (!duckdb_validity_row_is_valid(validity[0], row) || !duckdb_validity_row_is_valid(validity[1], row) ||
         !duckdb_validity_row_is_valid(validity[2], row))) {
      duckdb_validity_set_row_invalid(out_validity, row);
      out[row] = false;
      continue;
    }
    if (lists[row] != current || masks == nullptr) {
      current = lists[row];
      masks = current >= 0 && static_cast<std::uint64_t>(current) < registry.lists.size()
                  ? registry.lists[static_cast<std::size_t>(current)].get()
                  : nullptr;
    }
    out[row] = masks == nullptr || positions[row] < 0 ||
               !masks->Hidden(files[row], static_cast<std::uint64_t>(positions[row]));
  }
}

struct LogicalType {
  duckdb_logical_type handle;
  explicit LogicalType(duckdb_type type) : handle(duckdb_create_logical_type(type)) {}
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
  ~LogicalType() { duckdb_destroy_logical_type(&handle); }
};

}  // namespace

void FileMasks::Hide(std::uint64_t file, std::uint64_t word, std::uint64_t bits) {
  if (file >= masks_.size()) masks_.resize(file + 1);
  auto& mask = masks_[file];
  if (word >= mask.size()) mask.resize(word + 1, 0);
  hidden_rows_ += static_cast<std::uint64_t>(std::popcount(bits & ~mask[word]));
  mask[word] |= bits;
}

std::size_t FileMasks::bytes() const {
  std::size_t total = masks_.size() * sizeof(masks_[0]);
  for (const auto& mask : masks_) total += mask.size() * sizeof(std::uint64_t);
  return total;
}

Result<std::shared_ptr<const LiveRows>> LiveRows::Compute(Connection& connection,
                                                          const std::vector<std::string>& base_paths,
                                                          const std::vector<std::string>& delta_paths,
                                                          const std::string& key_column) {
  auto rows = std::make_shared<LiveRows>();
  if (delta_paths.empty()) return std::shared_ptr<const LiveRows>(std::move(rows));
  const std::string key = QuoteSqlIdentifier(key_column);
  const std::string base = "read_parquet(" + QuoteSqlStringList(base_paths) + ")";
  const std::string deltas = "read_parquet(" + QuoteSqlStringList(delta_paths) + ")";
  // The same rule as MergedRelationSql: base rows whose key a delta row has (NULL keys match
  // nothing), and delta rows other than the latest upsert of their key. The positions come back
  // folded into 64-row words, so a dense mask costs one result row per 64 rows.
  const std::string sql = fmt::format(
      "SELECT part, file_index, file_row_number // 64 AS word, "
      "CAST(bit_or(CAST(1 AS UBIGINT) << CAST(file_row_number % 64 AS INTEGER)) AS UBIGINT) AS bits FROM ("
      "SELECT 0 AS part, b.file_index, b.file_row_number FROM {base} AS b SEMI JOIN (SELECT {key} FROM "
      "{deltas}) "
      "AS d ON b.{key} = d.{key} "
      "UNION ALL SELECT 1, file_index, file_row_number FROM {deltas} QUALIFY NOT coalesce(row_number() OVER "
      "(PARTITION BY {key} ORDER BY {seq} DESC) = 1 AND {op} = 'upsert', false)) GROUP BY ALL",
      fmt::arg("base", base), fmt::arg("deltas", deltas), fmt::arg("key", key),
      fmt::arg("seq", kDeltaSeqColumn), fmt::arg("op", kDeltaOpColumn));
  LH_ASSIGN_OR_RETURN(auto result, connection.Query(sql));
  while (true) {
    LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
    if (!chunk) break;
    for (std::size_t row = 0; row < chunk->size(); ++row) {
      const auto part = chunk->GetValue(0, row).AsInt64();
      const auto file = chunk->GetValue(1, row).AsUInt64();
      const auto word = chunk->GetValue(2, row).AsUInt64();
      const auto bits = chunk->GetValue(3, row).AsUInt64();
      if (!part || !file || !word || !bits) return Status::Internal("the hidden-row query returned a NULL");
      (*part == 0 ? rows->base : rows->deltas).Hide(*file, *word, *bits);
    }
  }
  return std::shared_ptr<const LiveRows>(std::move(rows));
}

LiveRowsCache& LiveRowsCache::Global() {
  static LiveRowsCache cache(std::size_t{64} << 20);
  return cache;
}

std::string LiveRowsCache::Key(const std::vector<std::string>& base_paths,
                               const std::vector<std::string>& delta_paths, const std::string& key_column) {
  // Paths never contain NUL, so NUL-separated parts make an unambiguous key.
  std::string key = key_column;
  for (const auto* paths : {&base_paths, &delta_paths}) {
    key += '\0';
    for (const auto& path : *paths) key += path + '\n';
  }
  return key;
}

std::shared_ptr<const LiveRows> LiveRowsCache::Lookup(const std::string& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key != key) continue;
    entries_.splice(entries_.begin(), entries_, it);
    return entries_.front().rows;
  }
  return nullptr;
}

std::shared_ptr<const LiveRows> LiveRowsCache::Find(const std::vector<std::string>& base_paths,
                                                    const std::vector<std::string>& delta_paths,
                                                    const std::string& key_column) {
  const std::string key = Key(base_paths, delta_paths, key_column);
  std::lock_guard lock(mu_);
  return Lookup(key);
}

Result<std::shared_ptr<const LiveRows>> LiveRowsCache::Get(Connection& connection,
                                                           const std::vector<std::string>& base_paths,
                                                           const std::vector<std::string>& delta_paths,
                                                           const std::string& key_column, bool* computed) {
  if (computed != nullptr) *computed = false;
  std::string key = Key(base_paths, delta_paths, key_column);
  {
    std::lock_guard lock(mu_);
    if (auto found = Lookup(key)) return found;
  }
  // Computed outside the lock: two callers may compute the same entry, which costs time, not
  // correctness.
  LH_ASSIGN_OR_RETURN(auto rows, LiveRows::Compute(connection, base_paths, delta_paths, key_column));
  if (computed != nullptr) *computed = true;
  const std::size_t bytes = rows->base.bytes() + rows->deltas.bytes() + key.size();
  std::lock_guard lock(mu_);
  entries_.push_front(Entry{std::move(key), rows, bytes});
  bytes_ += bytes;
  while (bytes_ > byte_budget_ && entries_.size() > 1) {
    bytes_ -= entries_.back().bytes;
    entries_.pop_back();
  }
  return rows;
}

Status LiveRowsFunction::Register(Connection& connection,
                                  std::vector<std::shared_ptr<const FileMasks>> lists) {
  if (!connection.state_) return Status::FailedPrecondition("the connection was moved from");
  duckdb_scalar_function function = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(function, kName);
  const LogicalType bigint(DUCKDB_TYPE_BIGINT);
  const LogicalType ubigint(DUCKDB_TYPE_UBIGINT);
  const LogicalType boolean(DUCKDB_TYPE_BOOLEAN);
  duckdb_scalar_function_add_parameter(function, bigint.handle);
  duckdb_scalar_function_add_parameter(function, ubigint.handle);
  duckdb_scalar_function_add_parameter(function, bigint.handle);
  duckdb_scalar_function_set_return_type(function, boolean.handle);
  duckdb_scalar_function_set_extra_info(function, new Registry{std::move(lists)}, DestroyRegistry);
  duckdb_scalar_function_set_function(function, LiveRowCallback);
  const duckdb_state state = duckdb_register_scalar_function(connection.state_->handle, function);
  duckdb_destroy_scalar_function(&function);
  if (state != DuckDBSuccess) return Status::Internal(std::string("cannot register ") + kName);
  return Status::OK();
}

std::string LiveMergedRelationSql(const std::vector<std::string>& base_paths,
                                  const std::vector<std::string>& delta_paths, std::size_t base_list,
                                  std::size_t delta_list) {
  const auto where = [](std::size_t list) {
    return fmt::format(" WHERE {}({}, file_index, file_row_number)", LiveRowsFunction::kName, list);
  };
  return fmt::format(
      "(SELECT * FROM read_parquet({}){} UNION ALL SELECT * EXCLUDE ({}, {}) FROM read_parquet({}){})",
      QuoteSqlStringList(base_paths), where(base_list), kDeltaOpColumn, kDeltaSeqColumn,
      QuoteSqlStringList(delta_paths), where(delta_list));
}

}  // namespace lakehouse::engine
