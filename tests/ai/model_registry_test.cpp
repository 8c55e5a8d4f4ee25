#include "ai/model_registry.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lakehouse::ai
