#include "ai/llama_embedder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "ai/test_models.h"

namespace lakehouse::ai {
namespace {

using testing::Cosine;

std::vector<std::string> ReadSentences() {
  std::ifstream in(std::string(LAKEHOUSE_AI_FIXTURES) + "/sentences.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The reference vectors tools/make_embedding_fixture.py wrote with sentence-transformers.
std::vector<std::vector<float>> ReadReference(size_t rows, size_t dims) {
  std::ifstream in(std::string(LAKEHOUSE_AI_FIXTURES) + "/minilm_reference.f32", std::ios::binary);
  std::vector<std::vector<float>> out(rows, std::vector<float>(dims));
  for (auto& row : out) {
    in.read(reinterpret_cast<char*>(row.data()), static_cast<std::streamsize>(dims * sizeof(float)));
  }
  if (!in) return {};
  return out;
}

class LlamaEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto opened = LlamaEmbedder::Open(testing::MiniLmInfo(), testing::MiniLmOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    embedder_ = std::move(opened).value().release();
  }
  static void TearDownTestSuite() {
    delete embedder_;
    embedder_ = nullptr;
  }
  static LlamaEmbedder* embedder_;
};
LlamaEmbedder* LlamaEmbedderTest::embedder_ = nullptr;

TEST_F(LlamaEmbedderTest, DescribesTheModelItServes) {
  EXPECT_EQ(embedder_->info().model, "all-MiniLM-L6-v2");
  EXPECT_EQ(embedder_->info().dims, 384);
  EXPECT_EQ(embedder_->info().context, 256);
}

TEST_F(LlamaEmbedderTest, MatchesSentenceTransformersOnTwoHundredSentences) {
  const auto sentences = ReadSentences();
  ASSERT_EQ(sentences.size(), 200U);
  const auto reference = ReadReference(sentences.size(), 384);
  ASSERT_EQ(reference.size(), sentences.size())
      << "tests/ai/fixtures/minilm_reference.f32 is missing or short";
  auto result = embedder_->Embed(sentences);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->vectors.size(), sentences.size());
  double worst = 1;
  for (size_t i = 0; i < sentences.size(); ++i) {
    ASSERT_EQ(result->vectors[i].size(), 384U);
    const double cosine = Cosine(result->vectors[i], reference[i]);
    worst = std::min(worst, cosine);
    EXPECT_GE(cosine, 0.999) << "sentence " << i << ": " << sentences[i];
  }
  std::cout << "worst cosine vs sentence-transformers: " << worst << "\n";
}

TEST_F(LlamaEmbedderTest, VectorsAreUnitLength) {
  auto result = embedder_->Embed({"The cat sat on the mat."});
  ASSERT_TRUE(result.ok());
  double norm = 0;
  for (float x : result->vectors[0]) norm += static_cast<double>(x) * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST_F(LlamaEmbedderTest, ATextEmbedsTheSameAloneAndInABatch) {
  auto alone = embedder_->Embed({"Backups are only useful if you have tested restoring them."});
  auto batch = embedder_->Embed({"short", "Backups are only useful if you have tested restoring them.",
                                 "Ein ganz anderer Satz mit anderen Wörtern."});
  ASSERT_TRUE(alone.ok() && batch.ok());
  EXPECT_GT(Cosine(alone->vectors[0], batch->vectors[1]), 0.99999);
}

TEST_F(LlamaEmbedderTest, RelatedSentencesAreCloserThanUnrelatedOnes) {
  auto result = embedder_->Embed(
      {"A cat is sitting on the mat.", "The cat sat on the mat.", "Interest rates were left unchanged."});
  ASSERT_TRUE(result.ok());
  EXPECT_GT(Cosine(result->vectors[0], result->vectors[1]),
            Cosine(result->vectors[0], result->vectors[2]) + 0.3);
}

TEST_F(LlamaEmbedderTest, TruncatesAMegabyteTextToTheContextAndSaysSo) {
  std::string huge;
  while (huge.size() < (1U << 20)) huge += "lakehouse stores data in buckets and answers questions. ";
  auto result = embedder_->Embed({"short text", huge});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->truncated[0]);
  EXPECT_TRUE(result->truncated[1]);
  // The truncated text embeds like its first 256 tokens do.
  auto head = embedder_->Embed({huge.substr(0, 4000)});
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(head->truncated[0]);
  EXPECT_GT(Cosine(result->vectors[1], head->vectors[0]), 0.99999);
}

TEST_F(LlamaEmbedderTest, RejectsEmptyAndInvalidTextsNamingThem) {
  auto empty = embedder_->Embed({"fine", ""});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("text 1"), std::string::npos);
  auto invalid = embedder_->Embed({"bad \xc3\x28 bytes"});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(invalid.status().message().find("UTF-8"), std::string::npos);
}

TEST_F(LlamaEmbedderTest, EmbedsManyTextsAcrossSeveralPasses) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back("sentence number " + std::to_string(i) + " about data");
  auto result = embedder_->Embed(texts);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->vectors.size(), 300U);
  auto single = embedder_->Embed({texts[257]});
  ASSERT_TRUE(single.ok());
  EXPECT_GT(Cosine(result->vectors[257], single->vectors[0]), 0.99999);
}

TEST_F(LlamaEmbedderTest, ConcurrentCallsShareTheModelSafely) {
  const std::vector<std::string> texts = {"first text", "zweiter Text", "第三个文本",
                                          "fourth, with punctuation!"};
  auto expected = embedder_->Embed(texts);
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        auto got = embedder_->Embed(texts);
        if (!got.ok()) {
          ++failures;
          continue;
        }
        for (size_t i = 0; i < texts.size(); ++i) {
          if (Cosine(got->vectors[i], expected->vectors[i]) < 0.99999) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(LlamaEmbedderOpen, RejectsAProfileWithTheWrongDimensions) {
  ModelInfo info = testing::MiniLmInfo();
  info.dims = 768;
  auto opened = LlamaEmbedder::Open(info, testing::MiniLmOptions());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("384"), std::string::npos);
}

TEST(LlamaEmbedderOpen, SaysWhatToDoWhenTheModelFileIsMissing) {
  LlamaOptions options = testing::MiniLmOptions();
  options.model_path = "/nonexistent/model.gguf";
  auto opened = LlamaEmbedder::Open(testing::MiniLmInfo(), options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound);
  EXPECT_NE(opened.status().message().find("scripts/bootstrap"), std::string::npos);
}

TEST(LlamaEmbedderOpen, RejectsAFileThatIsNotAModel) {
  const std::string path = ::testing::TempDir() + "/not-a-model.gguf";
  std::ofstream(path) << "this is not a GGUF file";
  LlamaOptions options = testing::MiniLmOptions();
  options.model_path = path;
  auto opened = LlamaEmbedder::Open(testing::MiniLmInfo(), options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakehouse::ai
