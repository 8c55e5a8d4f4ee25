#include "common/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lakehouse {
namespace {

// A lakehouse.toml in a fresh temporary directory.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lakehouse-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    std::string path = dir_ + "/lakehouse.toml";
    std::ofstream(path) << text;
    return path;
  }

  Result<Config> Load(const std::string& text, std::map<std::string, std::string> env = {}) {
    return LoadConfig(ConfigSources{Write(text), std::move(env)});
  }

  std::string dir_;
};

TEST(Config, EveryKeyHasADefaultAndNoFileIsNeeded) {
  auto config = LoadConfig(ConfigSources{});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.host, "127.0.0.1");
  EXPECT_EQ(config->server.port, 3100);
  EXPECT_EQ(config->storage.data_dir, "./lakehouse-data");
  ASSERT_EQ(config->storage.buckets.count("primary"), 1u);
  EXPECT_EQ(config->storage.buckets.at("primary").backend, "local");
  EXPECT_EQ(config->log.format, "json");
}

TEST_F(ConfigFile, ReadsValuesFromTheFile) {
  auto config = Load(R"(
[server]
host = "0.0.0.0"
port = 8080
[log]
level = "warn"
access_log = false
[storage]
data_dir = "/srv/lake"
[storage.buckets.tenant-a]
path = "/srv/tenant-a"
[engine]
memory_limit = "2GB"
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 8080);
  EXPECT_EQ(config->log.level, "warn");
  EXPECT_FALSE(config->log.access_log);
  EXPECT_EQ(config->storage.data_dir, "/srv/lake");
  EXPECT_EQ(config->storage.buckets.at("tenant-a").path, "/srv/tenant-a");
  EXPECT_EQ(config->storage.buckets.count("primary"), 1u);
  EXPECT_EQ(config->engine.memory_limit, "2GB");
}

TEST_F(ConfigFile, UnknownKeyIsAnErrorNamingFileLineAndKey) {
  auto config = Load("[server]\nhost = \"127.0.0.1\"\nprot = 3100\n");
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_NE(msg.find("lakehouse.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("server.prot"), std::string::npos) << msg;
  EXPECT_NE(msg.find("port"), std::string::npos) << "should list the known keys: " << msg;
}

TEST_F(ConfigFile, UnknownSectionIsAnError) {
  auto config = Load("[sever]\nport = 1\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("[sever]"), std::string::npos) << config.status().message();
}

TEST_F(ConfigFile, WrongTypeIsAnErrorNamingTheKeyAndLine) {
  auto config = Load("[log]\nlevel = \"info\"\n\n[server]\nport = \"3100\"\n");
  ASSERT_FALSE(config.ok());
  const std::string msg = config.status().message();
  EXPECT_NE(msg.find("lakehouse.toml:5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("server.port"), std::string::npos) << msg;
  EXPECT_NE(msg.find("integer"), std::string::npos) << msg;
}

TEST_F(ConfigFile, OutOfRangeAndUnknownChoicesAreErrors) {
  EXPECT_FALSE(Load("[server]\nport = 70000\n").ok());
  EXPECT_FALSE(Load("[server]\nport = -1\n").ok());
  EXPECT_FALSE(Load("[log]\nlevel = \"loud\"\n").ok());
  EXPECT_FALSE(Load("[engine]\nmemory_limit = \"lots\"\n").ok());
  EXPECT_FALSE(Load("[storage.buckets.primary]\nbackend = \"ftp\"\n").ok());
  EXPECT_FALSE(Load("[storage.buckets.Bad_Name]\npath = \"/x\"\n").ok());
  EXPECT_FALSE(Load("[storage.buckets.other]\nbackend = \"local\"\n").ok())
      << "a non-primary bucket needs a path";
  EXPECT_FALSE(Load("[storage.buckets.primary]\nsecret = \"hunter2\"\n").ok());
}

TEST_F(ConfigFile, SyntaxErrorNamesLineAndColumn) {
  auto config = Load("[server]\nport = = 3\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("lakehouse.toml:2:"), std::string::npos)
      << config.status().message();
}

TEST_F(ConfigFile, GarbageAndEmptyFiles) {
  EXPECT_TRUE(Load("").ok()) << "an empty file means all defaults";
  EXPECT_FALSE(Load(std::string("\x00\xff\xfe garbage \x01", 13)).ok());
  EXPECT_FALSE(Load(std::string(1 << 20, '[')).ok());
}

TEST(Config, MissingFileIsNotFound) {
  auto config = LoadConfig(ConfigSources{"/nonexistent/lakehouse.toml", {}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(config.status().message().find("/nonexistent/lakehouse.toml"), std::string::npos);
}

TEST_F(ConfigFile, EnvironmentOverridesTheFile) {
  auto config = Load("[server]\nport = 8080\n",
                     {{"LAKEHOUSE_SERVER_PORT", "9090"}, {"LAKEHOUSE_LOG_ACCESS_LOG", "false"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.port, 9090);
  EXPECT_FALSE(config->log.access_log);
}

TEST(Config, BadOrUnknownEnvironmentVariablesAreErrors) {
  auto bad = LoadConfig(ConfigSources{std::nullopt, {{"LAKEHOUSE_SERVER_PORT", "abc"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("LAKEHOUSE_SERVER_PORT"), std::string::npos)
      << bad.status().message();
  auto typo = LoadConfig(ConfigSources{std::nullopt, {{"LAKEHOUSE_SERVR_PORT", "1"}}});
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("LAKEHOUSE_SERVR_PORT"), std::string::npos);
  EXPECT_TRUE(LoadConfig(ConfigSources{std::nullopt, {{"LAKEHOUSE_CONFIG", "x"}, {"HOME", "/root"}}}).ok());
}

TEST_F(ConfigFile, RenderedConfigLoadsBackToTheSameValues) {
  auto config = Load("[server]\nport = 4000\n[storage.buckets.archive]\npath = \"/a \\\"quoted\\\" dir\"\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto again = Load(ConfigToToml(*config));
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << ConfigToToml(*config);
  EXPECT_EQ(again->server.port, 4000);
  EXPECT_EQ(again->storage.buckets.at("archive").path, "/a \"quoted\" dir");
  EXPECT_EQ(ConfigToToml(*again).substr(ConfigToToml(*again).find('\n')),
            ConfigToToml(*config).substr(ConfigToToml(*config).find('\n')));
}

TEST_F(ConfigFile, QuerySectionSetsTheSandboxLimits) {
  auto defaults = LoadConfig(ConfigSources{});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->query.memory_limit, "2GB");
  EXPECT_EQ(defaults->query.timeout_ms, 30000);
  EXPECT_EQ(defaults->query.max_result_rows, 10'000'000);
  auto config = Load(
      "[query]\nmemory_limit = \"512MiB\"\nthreads = 2\ntimeout_ms = 1000\nmax_timeout_ms = 5000\n"
      "max_result_rows = 100\n",
      {{"LAKEHOUSE_QUERY_TIMEOUT_MS", "2000"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->query.memory_limit, "512MiB");
  EXPECT_EQ(config->query.threads, 2);
  EXPECT_EQ(config->query.timeout_ms, 2000) << "the environment overrides the file";
  EXPECT_EQ(config->query.max_timeout_ms, 5000);
  EXPECT_EQ(config->query.max_result_rows, 100);
  EXPECT_NE(ConfigToToml(*config).find("[query]\nmemory_limit = \"512MiB\""), std::string::npos);
  auto bad = Load("[query]\nmax_result_rows = 0\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("max_result_rows"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(Load("[query]\nmemory_limit = \"lots\"\n").ok());
}

}  // namespace
}  // namespace lakehouse
