#include "query/table_source.h"

#include <filesystem>

namespace lakehouse::query {

TableProvider NoTables() {
  return []() -> Result<std::vector<TableSource>> { return std::vector<TableSource>{}; };
}

Result<std::string> LocalParquetPath(const std::string& uri) {
  constexpr std::string_view kFileScheme = "file://";
  std::string path = uri;
  if (path.starts_with(kFileScheme)) {
    path.erase(0, kFileScheme.size());
  } else if (path.find("://") != std::string::npos) {
    return Status::InvalidArgument("cannot serve '" + uri +
                                   "': only local Parquet files (absolute paths or file:// URIs) are "
                                   "queryable so far");
  }
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument("cannot serve '" + uri + "': a Parquet path must be absolute");
  }
  // DuckDB compares allowed paths after normalising them; do the same so both sides agree.
  return std::filesystem::path(path).lexically_normal().string();
}

}  // namespace lakehouse::query
