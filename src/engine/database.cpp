#include "engine/database.h"

#include <utility>
#include <vector>

#include "duckdb.h"
#include "engine/database_state.h"
#include "engine/duckdb_error.h"
#include "engine/duckdb_handles.h"

namespace lakehouse::engine {
namespace {

// The DuckDB settings that make up `options`, in the order they are applied.
std::vector<std::pair<std::string, std::string>> SettingsFor(const DatabaseOptions& options) {
  std::vector<std::pair<std::string, std::string>> settings = {
      {"extension_directory", options.extension_dir},
      // Extensions come only from extension_dir: nothing is installed implicitly, and an explicit
      // INSTALL copies from the same local directory instead of downloading.
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "true"},
      {"custom_extension_repository", options.extension_dir},
      {"autoinstall_extension_repository", options.extension_dir},
      {"allow_community_extensions", "false"},
      {"allow_unsigned_extensions", options.allow_unsigned_extensions ? "true" : "false"},
  };
  if (!options.memory_limit.empty()) settings.emplace_back("memory_limit", options.memory_limit);
  if (options.threads != 0) settings.emplace_back("threads", std::to_string(options.threads));
  if (!options.temp_dir.empty()) settings.emplace_back("temp_directory", options.temp_dir);
  return settings;
}

// DuckDB's keyword list; type names quote struct fields that are keywords. Without it (should
// the query fail) type names are still valid, only less faithful, so errors are ignored.
void LoadKeywords(DatabaseState* state) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(state->handle, &connection) != DuckDBSuccess) return;
  duckdb_result result{};
  if (duckdb_query(connection, "SELECT keyword_name FROM duckdb_keywords()", &result) == DuckDBSuccess) {
    const idx_t rows = duckdb_row_count(&result);
    for (idx_t row = 0; row < rows; ++row) {
      state->keywords.insert(TakeDuckDBString(duckdb_value_varchar(&result, 0, row)));
    }
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&connection);
}

}  // namespace

Database::Database(DatabaseOptions options, std::shared_ptr<DatabaseState> state)
    : options_(std::move(options)), state_(std::move(state)) {}

Database::~Database() = default;

std::string Database::Version() { return duckdb_library_version(); }

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  DatabaseOptions resolved = options;
  if (resolved.extension_dir.empty()) resolved.extension_dir = LAKEHOUSE_DEFAULT_EXTENSION_DIR;

  duckdb_config raw_config = nullptr;
  if (duckdb_create_config(&raw_config) != DuckDBSuccess) {
    return Status::Internal("could not create a DuckDB configuration");
  }
  const OwnedConfig config(raw_config);
  for (const auto& [name, value] : SettingsFor(resolved)) {
    if (duckdb_set_config(config.get(), name.c_str(), value.c_str()) != DuckDBSuccess) {
      std::string message = "invalid database option: DuckDB rejected ";
      message.append(name).append(" = '").append(value).append("'");
      return Status::InvalidArgument(std::move(message));
    }
  }

  auto state = std::make_shared<DatabaseState>();
  state->extension_dir = resolved.extension_dir;
  char* raw_error = nullptr;
  const char* path = resolved.path.empty() ? nullptr : resolved.path.c_str();
  if (duckdb_open_ext(path, &state->handle, config.get(), &raw_error) != DuckDBSuccess) {
    const std::string error = TakeDuckDBString(raw_error);
    state->handle = nullptr;
    const std::string where =
        resolved.path.empty() ? std::string("in-memory database") : "'" + resolved.path + "'";
    return StatusFromDuckDBMessage(error.empty() ? "unknown error" : error)
        .WithContext("could not open DuckDB " + where);
  }
  LoadKeywords(state.get());
  return std::unique_ptr<Database>(new Database(std::move(resolved), std::move(state)));
}

}  // namespace lakehouse::engine
