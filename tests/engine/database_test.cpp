#include "engine/database.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "engine/connection.h"
#include "engine/temp_dir.h"
#include "engine/test_support.h"

namespace lakehouse::engine {
namespace {

using testing::QueryValue;
using testing::TempDir;

TEST(Database, ReportsThePinnedLibraryVersion) {
  EXPECT_EQ(Database::Version(), std::string("v") + LAKEHOUSE_DUCKDB_VERSION);
}

TEST(Database, DefaultsToThePinnedExtensionDirectory) {
  auto db = Database::Open(DatabaseOptions{});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ((*db)->options().extension_dir, LAKEHOUSE_DEFAULT_EXTENSION_DIR);
  auto connection = Connection::Open(**db);
  ASSERT_TRUE(connection.ok());
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('extension_directory')").ToString(),
            LAKEHOUSE_DEFAULT_EXTENSION_DIR);
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('autoinstall_known_extensions')").ToString(),
            "false");
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('autoload_known_extensions')").ToString(),
            "true");
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('allow_unsigned_extensions')").ToString(),
            "false");
}

TEST(Database, AppliesMemoryLimitThreadsAndTempDirectory) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  DatabaseOptions options;
  options.memory_limit = "512MB";
  options.threads = 2;
  options.temp_dir = dir.File("spill");
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto connection = Connection::Open(**db);
  ASSERT_TRUE(connection.ok());
  // DuckDB reports 512MB in binary units.
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('memory_limit')").ToString(), "488.2 MiB");
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('threads')").AsInt64(), 2);
  EXPECT_EQ(QueryValue(*connection, "SELECT current_setting('temp_directory')").ToString(),
            dir.File("spill"));
}

TEST(Database, RejectsInvalidOptionValuesNamingTheOption) {
  DatabaseOptions options;
  options.memory_limit = "lots";
  auto db = Database::Open(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("memory_limit"), std::string::npos) << db.status().message();
}

TEST(Database, PersistsTablesInItsFileAcrossReopen) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  DatabaseOptions options;
  options.path = dir.File("lakehouse.duckdb");
  {
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto connection = Connection::Open(**db);
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE(connection->Execute("CREATE TABLE kept AS SELECT 'still here' AS note").ok());
  }
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto connection = Connection::Open(**db);
  ASSERT_TRUE(connection.ok());
  EXPECT_EQ(QueryValue(*connection, "SELECT note FROM kept").ToString(), "still here");
}

TEST(Database, UnopenableFileIsIOError) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  DatabaseOptions options;
  options.path = dir.File("no/such/directory/db.duckdb");
  auto db = Database::Open(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kIOError) << db.status().ToString();
  EXPECT_NE(db.status().message().find(options.path), std::string::npos) << db.status().message();
}

// Each extension must load from the pinned directory, which proves the files match this library.
TEST(Engine, LoadsPinnedExtensions) {
  auto db = Database::Open(DatabaseOptions{});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto connection = Connection::Open(**db);
  ASSERT_TRUE(connection.ok());
  for (const char* extension : {"httpfs", "fts", "tpch", "json", "parquet", "icu"}) {
    const Status status = connection->Execute(std::string("LOAD ") + extension);
    EXPECT_TRUE(status.ok()) << extension << ": " << status.ToString();
    EXPECT_EQ(QueryValue(*connection,
                         std::string("SELECT loaded FROM duckdb_extensions() WHERE extension_name = '") +
                             extension + "'")
                  .AsBool(),
              true)
        << extension;
  }
  ASSERT_TRUE(connection->Execute("CALL dbgen(sf = 0.01)").ok());
  EXPECT_EQ(QueryValue(*connection, "SELECT count(*) FROM lineitem").AsInt64(), 60175);
}

TEST(Engine, MissingExtensionDirectoryGivesClearErrorWithoutNetwork) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  DatabaseOptions options;
  options.extension_dir = dir.File("no-extensions-here");
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto connection = Connection::Open(**db);
  ASSERT_TRUE(connection.ok());

  const auto start = std::chrono::steady_clock::now();
  const Status load = connection->Execute("LOAD fts");
  EXPECT_EQ(load.code(), StatusCode::kFailedPrecondition) << load.ToString();
  EXPECT_NE(load.message().find(options.extension_dir), std::string::npos) << load.message();
  EXPECT_NE(load.message().find("scripts/bootstrap"), std::string::npos) << load.message();

  // Auto-loading (a function from an extension that is not loaded) fails the same way.
  const Status autoload = connection->Execute("CALL dbgen(sf = 0.01)");
  EXPECT_FALSE(autoload.ok());
  EXPECT_NE(autoload.message().find("tpch"), std::string::npos) << autoload.message();

  // Even an explicit INSTALL resolves against the local directory rather than downloading.
  const Status install = connection->Execute("INSTALL fts");
  EXPECT_EQ(install.code(), StatusCode::kFailedPrecondition) << install.ToString();
  EXPECT_NE(install.message().find(options.extension_dir), std::string::npos) << install.message();
  EXPECT_EQ(install.message().find("http"), std::string::npos) << install.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace lakehouse::engine
