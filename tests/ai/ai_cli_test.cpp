// `lakehouse embed` and `lakehouse generate`: the real binary with the real models.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

std::string TempDir() { return std::filesystem::temp_directory_path().string(); }

TEST(AiCli, EmbedPrintsTheVectorsAndTheModel) {
  CommandResult run = RunLakehouse({"embed", "hello world", "good morning"}, {}, TempDir());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json out = json::parse(run.out);
  EXPECT_EQ(out["model"], "all-MiniLM-L6-v2");
  EXPECT_EQ(out["profile"], "minilm");
  EXPECT_EQ(out["version"], "1");
  EXPECT_EQ(out["dims"], 384);
  ASSERT_EQ(out["embeddings"].size(), 2U);
  EXPECT_EQ(out["embeddings"][0].size(), 384U);
  EXPECT_NE(out["embeddings"][0], out["embeddings"][1]);
}

TEST(AiCli, EmbedAsTextPrintsOneLineOfNumbersPerText) {
  CommandResult run = RunLakehouse({"embed", "one", "two", "three", "--format", "text"}, {}, TempDir());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream lines(run.out);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    std::istringstream numbers(line);
    int n = 0;
    double sum_sq = 0;
    for (double x; numbers >> x; ++n) sum_sq += x * x;
    EXPECT_EQ(n, 384);
    EXPECT_NEAR(sum_sq, 1.0, 1e-3);
  }
  EXPECT_EQ(count, 3);
}

TEST(AiCli, EmbedRefusesAnEmptyTextClearly) {
  CommandResult run = RunLakehouse({"embed", "fine", ""}, {}, TempDir());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("text 1 is empty"), std::string::npos) << run.err;
}

TEST(AiCli, GenerateAnswersAPrompt) {
  CommandResult run =
      RunLakehouse({"generate", "What is the capital of France? Answer in one word.", "--max-tokens", "16"},
                   {}, TempDir());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Paris"), std::string::npos) << run.out;
}

TEST(AiCli, GenerateAsJsonReportsTheModelAndUsage) {
  CommandResult run = RunLakehouse({"generate", "Say hello.", "--max-tokens", "8", "--json"}, {}, TempDir());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json out = json::parse(run.out);
  EXPECT_EQ(out["model"], "SmolLM2-135M-Instruct");
  EXPECT_FALSE(out["text"].get<std::string>().empty());
  EXPECT_GT(out["usage"]["completion_tokens"], 0);
}

TEST(AiCli, AnUnknownProfileNamesTheKnownOnes) {
  CommandResult run = RunLakehouse({"embed", "x", "--profile", "nope"}, {}, TempDir());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("minilm"), std::string::npos) << run.err;
}

TEST(AiCli, AnUnreachableServerExitsWith3AndNamesIt) {
  const std::string config = TempDir() + "/lakehouse-ai-cli-down.toml";
  std::ofstream(config) << "[ai.profiles.down]\ntask = \"embed\"\nbackend = \"ollama\"\n"
                           "model = \"nomic-embed-text\"\nmax_attempts = 1\n"
                           "endpoint = \"http://127.0.0.1:9\"\n";
  CommandResult run = RunLakehouse({"embed", "x", "--profile", "down", "--config", config}, {}, TempDir());
  std::filesystem::remove(config);
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.err.find("profile 'down'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("http://127.0.0.1:9"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace lakehouse::testing
