#include "ai/model_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ai/test_models.h"

namespace lakehouse::ai {
namespace {

AiOptions TestOptions() {
  AiOptions options;
  AiProfileOptions minilm;
  minilm.name = "minilm";
  minilm.model = "all-MiniLM-L6-v2";
  minilm.path = testing::MiniLmOptions().model_path;
  minilm.context = 256;
  options.profiles["minilm"] = minilm;
  AiProfileOptions missing = minilm;
  missing.name = "missing";
  missing.path = "/nonexistent/missing.gguf";
  options.profiles["missing"] = missing;
  AiProfileOptions smol;
  smol.name = "smollm2";
  smol.task = "generate";
  smol.model = "SmolLM2-135M-Instruct";
  smol.path = testing::SmolLmOptions().model_path;
  options.profiles["smollm2"] = smol;
  return options;
}

TEST(ModelRegistry, LoadsTheDefaultEmbedderOnFirstUse) {
  ModelRegistry models(TestOptions());
  EXPECT_EQ(models.LoadedCount(), 0);
  auto embedder = models.GetEmbedder("");
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  EXPECT_EQ((*embedder)->info().profile, "minilm");
  EXPECT_EQ((*embedder)->info().dims, 384);
  EXPECT_EQ(models.LoadedCount(), 1);
  auto again = models.GetEmbedder("minilm");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *embedder);
}

// Concurrent first requests wait for one load and then share the model, while the profile list is
// read at the same time (run under ThreadSanitizer too: the tsan preset).
TEST(ModelRegistry, ConcurrentFirstRequestsLoadTheProfileOnceAndShareIt) {
  ModelRegistry models(TestOptions());
  constexpr int kThreads = 4;
  std::vector<Embedder*> seen(kThreads, nullptr);
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      const Json listed = models.Describe();
      if (listed.size() != 3 || models.LoadedCount() > 1) ++failures;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto embedder = models.GetEmbedder("minilm");
      if (!embedder.ok()) {
        ++failures;
        return;
      }
      seen[static_cast<size_t>(t)] = *embedder;
      if (!(*embedder)->Embed({"thread " + std::to_string(t)}).ok()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  for (Embedder* e : seen) EXPECT_EQ(e, seen[0]);
  EXPECT_EQ(models.LoadedCount(), 1);
}

TEST(ModelRegistry, UnknownProfileIsNotFoundAndListsTheKnownOnes) {
  ModelRegistry models(TestOptions());
  auto embedder = models.GetEmbedder("nomic");
  ASSERT_FALSE(embedder.ok());
  EXPECT_EQ(embedder.status().code(), StatusCode::kNotFound);
  EXPECT_NE(embedder.status().message().find("minilm"), std::string::npos);
}

TEST(ModelRegistry, AProfileOnlyDoesItsOwnTask) {
  ModelRegistry models(TestOptions());
  EXPECT_EQ(models.GetGenerator("minilm").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(models.GetEmbedder("smollm2").status().code(), StatusCode::kInvalidArgument);
}

TEST(ModelRegistry, AMissingModelIsUnavailableAndReported) {
  ModelRegistry models(TestOptions());
  auto embedder = models.GetEmbedder("missing");
  ASSERT_FALSE(embedder.ok());
  EXPECT_EQ(embedder.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(embedder.status().message().find("missing"), std::string::npos);
  Json described = models.Describe();
  bool reported = false;
  for (const auto& entry : described) {
    if (entry["name"] == "missing") reported = entry.contains("error") && entry["loaded"] == false;
  }
  EXPECT_TRUE(reported) << described.dump();
}

// Remote profiles come from lakehouse.toml; a key never does.
Result<Config> LoadToml(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  ConfigSources sources;
  sources.file = path;
  auto config = LoadConfig(sources);
  std::filesystem::remove(path);
  return config;
}

TEST(ModelRegistry, ReadsRemoteProfilesFromTheConfig) {
  auto config =
      LoadToml("lakehouse-ai-remote.toml",
               "[ai.profiles.remote]\ntask = \"embed\"\nbackend = \"openai\"\nmodel = \"text-embed\"\n"
               "endpoint = \"https://api.example.com/v1\"\nsecret_ref = \"env:EXAMPLE_KEY\"\n"
               "timeout_ms = 5000\nmax_attempts = 2\nbatch_size = 16\nversion = \"3\"\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const AiProfileOptions& p = config->ai.profiles.at("remote");
  EXPECT_EQ(p.backend, "openai");
  EXPECT_EQ(p.endpoint, "https://api.example.com/v1");
  EXPECT_EQ(p.secret_ref, "env:EXAMPLE_KEY");
  EXPECT_EQ(p.timeout_ms, 5000);
  EXPECT_EQ(p.max_attempts, 2);
  const std::string rendered = ConfigToToml(*config);
  EXPECT_NE(rendered.find("endpoint = \"https://api.example.com/v1\""), std::string::npos) << rendered;
  EXPECT_TRUE(LoadToml("lakehouse-ai-rendered.toml", rendered).ok());
}

TEST(ModelRegistry, RefusesAKeyInTheConfigAndARemoteProfileWithoutEndpoint) {
  auto keyed = LoadToml("lakehouse-ai-keyed.toml",
                        "[ai.profiles.remote]\nbackend = \"openai\"\nmodel = \"m\"\n"
                        "endpoint = \"http://127.0.0.1:1/v1\"\napi_key = \"sk-do-not-echo\"\n");
  ASSERT_FALSE(keyed.ok());
  EXPECT_NE(keyed.status().message().find("secret_ref"), std::string::npos) << keyed.status().message();
  EXPECT_EQ(keyed.status().message().find("sk-do-not-echo"), std::string::npos);
  auto no_endpoint =
      LoadToml("lakehouse-ai-noendpoint.toml", "[ai.profiles.remote]\nbackend = \"ollama\"\nmodel = \"m\"\n");
  ASSERT_FALSE(no_endpoint.ok());
  EXPECT_NE(no_endpoint.status().message().find("endpoint"), std::string::npos);
  auto bad_backend =
      LoadToml("lakehouse-ai-badbackend.toml", "[ai.profiles.remote]\nbackend = \"vllm\"\nmodel = \"m\"\n");
  ASSERT_FALSE(bad_backend.ok());
  EXPECT_NE(bad_backend.status().message().find("openai"), std::string::npos);
}

}  // namespace
}  // namespace lakehouse::ai
