#include "ai/llama_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "ai/test_models.h"

namespace lakehouse::ai {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class LlamaGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto opened = LlamaGenerator::Open(testing::SmolLmInfo(), testing::SmolLmOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    generator_ = std::move(opened).value().release();
  }
  static void TearDownTestSuite() {
    delete generator_;
    generator_ = nullptr;
  }
  static GenerateRequest Ask(const std::string& question) {
    GenerateRequest request;
    request.messages = {{"user", question}};
    request.max_tokens = 16;
    return request;
  }
  static LlamaGenerator* generator_;
};
LlamaGenerator* LlamaGeneratorTest::generator_ = nullptr;

TEST_F(LlamaGeneratorTest, AnswersAChatQuestion) {
  auto result = generator_->Generate(Ask("What is the capital of France?"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_NE(Lower(result->text).find("paris"), std::string::npos) << result->text;
  EXPECT_GT(result->prompt_tokens, 5);
  EXPECT_GT(result->completion_tokens, 0);
  EXPECT_TRUE(result->finish_reason == "stop" || result->finish_reason == "length");
}

TEST_F(LlamaGeneratorTest, GreedyGenerationIsRepeatable) {
  auto first = generator_->Generate(Ask("Name three colours."));
  auto second = generator_->Generate(Ask("Name three colours."));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first->text.empty());
  EXPECT_EQ(first->text, second->text);
}

TEST_F(LlamaGeneratorTest, ContinuesARawPrompt) {
  GenerateRequest request;
  request.prompt = "One, two, three, four,";
  request.max_tokens = 8;
  auto result = generator_->Generate(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->text.empty());
  EXPECT_LE(result->completion_tokens, 8);
}

TEST_F(LlamaGeneratorTest, StopsAtMaxTokens) {
  GenerateRequest request = Ask("Write a long story about a dragon.");
  request.max_tokens = 5;
  auto result = generator_->Generate(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->completion_tokens, 5);
  EXPECT_EQ(result->finish_reason, "length");
}

TEST_F(LlamaGeneratorTest, StreamedPiecesMakeUpTheWholeText) {
  GenerateRequest request = Ask("Say hello in French and in German.");
  std::string streamed;
  int pieces = 0;
  request.on_token = [&](std::string_view piece) {
    streamed += piece;
    ++pieces;
    return true;
  };
  auto result = generator_->Generate(request);
  ASSERT_TRUE(result.ok());
  EXPECT_GT(pieces, 1);
  EXPECT_EQ(streamed, result->text);
}

TEST_F(LlamaGeneratorTest, TheCallbackCanStopGeneration) {
  GenerateRequest request = Ask("Count from one to fifty.");
  int pieces = 0;
  request.on_token = [&](std::string_view) { return ++pieces < 3; };
  auto result = generator_->Generate(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->finish_reason, "cancelled");
  EXPECT_EQ(pieces, 3);
}

TEST_F(LlamaGeneratorTest, RejectsAPromptLongerThanTheContext) {
  GenerateRequest request;
  for (int i = 0; i < 2000; ++i) request.prompt += "word ";
  auto result = generator_->Generate(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("context"), std::string::npos);
}

TEST_F(LlamaGeneratorTest, RejectsMalformedRequests) {
  GenerateRequest both = Ask("hi");
  both.prompt = "also a prompt";
  EXPECT_EQ(generator_->Generate(both).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(generator_->Generate(GenerateRequest{}).status().code(), StatusCode::kInvalidArgument);
  GenerateRequest role = Ask("hi");
  role.messages[0].role = "wizard";
  EXPECT_EQ(generator_->Generate(role).status().code(), StatusCode::kInvalidArgument);
  GenerateRequest utf8;
  utf8.prompt = "bad \xff";
  EXPECT_EQ(generator_->Generate(utf8).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LlamaGeneratorTest, ConcurrentGenerationsShareTheModelSafely) {
  auto expected = generator_->Generate(Ask("What is two plus two?"));
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::vector<std::string> texts(2);
  for (size_t t = 0; t < texts.size(); ++t) {
    threads.emplace_back([&, t] {
      auto got = generator_->Generate(Ask("What is two plus two?"));
      texts[t] = got.ok() ? got->text : got.status().ToString();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& text : texts) EXPECT_EQ(text, expected->text);
}

}  // namespace
}  // namespace lakehouse::ai
