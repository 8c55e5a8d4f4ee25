// The OpenAI-compatible backend against a real server: llama.cpp's llama-server, built by
// scripts/bootstrap from the same pinned source as the embedded backend, serving the same GGUF
// models on a free loopback port.
#include "ai/openai_backend.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "ai/llama_embedder.h"
#include "ai/llama_server_process.h"
#include "ai/model_registry.h"
#include "ai/test_models.h"

namespace lakehouse::ai {
namespace {

using testing::Cosine;
using testing::LatinSentences;
using testing::LlamaServerProcess;

RemoteOptions Remote(const std::string& endpoint) {
  RemoteOptions options;
  options.endpoint = endpoint;
  options.http.connect_timeout_ms = 2000;
  options.http.request_timeout_ms = 120000;
  options.http.max_attempts = 2;
  options.http.backoff_initial_ms = 20;
  options.http.backoff_max_ms = 100;
  options.texts_per_request = 32;
  return options;
}

ModelInfo RemoteMiniLm() { return {"remote-minilm", "openai", "all-MiniLM-L6-v2", "1", 0, 256}; }
ModelInfo RemoteSmolLm() { return {"remote-smollm2", "openai", "SmolLM2-135M-Instruct", "1", 0, 1024}; }

std::vector<std::string> EmbeddingServerArgs() {
  return {"--embedding", "--pooling", "mean", "-c", "512", "-b", "512", "-ub", "512"};
}

class OpenAiBackend : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    embed_server_ = new LlamaServerProcess(testing::MiniLmOptions().model_path, EmbeddingServerArgs());
    chat_server_ = new LlamaServerProcess(testing::SmolLmOptions().model_path, {"-c", "1024"});
  }
  static void TearDownTestSuite() {
    delete embed_server_;
    delete chat_server_;
    embed_server_ = chat_server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(embed_server_->ok()) << embed_server_->error();
    ASSERT_TRUE(chat_server_->ok()) << chat_server_->error();
  }
  static std::unique_ptr<OpenAiGenerator> Chat() {
    auto opened = OpenAiGenerator::Open(RemoteSmolLm(), Remote(chat_server_->endpoint()));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  static LlamaServerProcess* embed_server_;
  static LlamaServerProcess* chat_server_;
};
LlamaServerProcess* OpenAiBackend::embed_server_ = nullptr;
LlamaServerProcess* OpenAiBackend::chat_server_ = nullptr;

TEST_F(OpenAiBackend, EmbeddingsOverHttpMatchTheEmbeddedBackend) {
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(embed_server_->endpoint()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  EXPECT_EQ((*remote)->info().dims, 384);  // learnt from the server
  EXPECT_EQ((*remote)->info().model, "all-MiniLM-L6-v2");
  EXPECT_EQ((*remote)->info().backend, "openai");
  auto local = LlamaEmbedder::Open(testing::MiniLmInfo(), testing::MiniLmOptions());
  ASSERT_TRUE(local.ok()) << local.status().ToString();

  const std::vector<std::string> sentences = LatinSentences();
  ASSERT_GE(sentences.size(), 150U);
  auto over_http = (*remote)->Embed(sentences);  // 32 texts a request: several requests
  ASSERT_TRUE(over_http.ok()) << over_http.status().ToString();
  auto embedded = (*local)->Embed(sentences);
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  ASSERT_EQ(over_http->vectors.size(), sentences.size());
  double worst = 1.0;
  for (size_t i = 0; i < sentences.size(); ++i) {
    ASSERT_EQ(over_http->vectors[i].size(), 384U);
    const double cosine = Cosine(over_http->vectors[i], embedded->vectors[i]);
    EXPECT_GE(cosine, 0.999) << "sentence " << i << ": " << sentences[i];
    worst = std::min(worst, cosine);
    EXPECT_FALSE(over_http->truncated[i]);
  }
  std::cout << "worst cosine over HTTP vs embedded, " << sentences.size() << " sentences: " << worst << "\n";
}

// Threads share one embedder (and so its pooled HTTP connections); run under ThreadSanitizer too.
TEST_F(OpenAiBackend, ConcurrentRequestsShareOneClientSafely) {
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(embed_server_->endpoint()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  const std::vector<std::string> texts = {"first text", "zweiter Text", "fourth, with punctuation!"};
  auto expected = (*remote)->Embed(texts);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  std::atomic<int> failures{0};
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 4; ++round) {
        auto got = (*remote)->Embed(texts);
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

TEST_F(OpenAiBackend, AProfileWithTheWrongDimsIsRefused) {
  ModelInfo info = RemoteMiniLm();
  info.dims = 768;
  auto remote = OpenAiEmbedder::Open(info, Remote(embed_server_->endpoint()));
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(remote.status().message().find("384"), std::string::npos) << remote.status().message();
}

TEST_F(OpenAiBackend, BadTextsAreRefusedBeforeAnyRequest) {
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(embed_server_->endpoint()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  auto empty = (*remote)->Embed({"fine", ""});
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("text 1"), std::string::npos);
  auto invalid = (*remote)->Embed({std::string("bad \xC3\x28 utf-8")});
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(OpenAiBackend, AnInputTheServerCannotTakeFailsWithTheServersReason) {
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(embed_server_->endpoint()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "word ";
  auto result = (*remote)->Embed({huge});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("too large"), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find("remote-minilm"), std::string::npos);
  // The server is still fine afterwards.
  EXPECT_TRUE((*remote)->Embed({"still works"}).ok());
}

TEST_F(OpenAiBackend, GeneratesAnAnswerToAChat) {
  auto chat = Chat();
  ASSERT_NE(chat, nullptr);
  GenerateRequest request;
  request.messages = {{"user", "What is the capital of France? Answer in one word."}};
  request.max_tokens = 24;
  auto answer = chat->Generate(request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->text.empty());
  EXPECT_NE(answer->text.find("Paris"), std::string::npos) << answer->text;
  EXPECT_TRUE(answer->finish_reason == "stop" || answer->finish_reason == "length") << answer->finish_reason;
  EXPECT_GT(answer->prompt_tokens, 0);
  EXPECT_GT(answer->completion_tokens, 0);
}

TEST_F(OpenAiBackend, ContinuesARawPrompt) {
  auto chat = Chat();
  ASSERT_NE(chat, nullptr);
  GenerateRequest request;
  request.prompt = "One, two, three, four,";
  request.max_tokens = 8;
  auto answer = chat->Generate(request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->text.empty());
}

TEST_F(OpenAiBackend, StreamsTheAnswerPieceByPiece) {
  auto chat = Chat();
  ASSERT_NE(chat, nullptr);
  GenerateRequest request;
  request.messages = {{"user", "Write one sentence about the sea."}};
  request.max_tokens = 32;
  std::vector<std::string> pieces;
  request.on_token = [&](std::string_view piece) {
    pieces.emplace_back(piece);
    return true;
  };
  auto answer = chat->Generate(request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_GE(pieces.size(), 2U);
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, answer->text);
  EXPECT_FALSE(answer->text.empty());
  EXPECT_TRUE(answer->finish_reason == "stop" || answer->finish_reason == "length") << answer->finish_reason;
}

TEST_F(OpenAiBackend, AStreamStopsWhenTheCallerStops) {
  auto chat = Chat();
  ASSERT_NE(chat, nullptr);
  GenerateRequest request;
  request.messages = {{"user", "Count from one to fifty in words."}};
  request.max_tokens = 200;
  int calls = 0;
  request.on_token = [&](std::string_view) { return ++calls < 3; };
  auto answer = chat->Generate(request);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->finish_reason, "cancelled");
  EXPECT_EQ(calls, 3);
  // The server's slot is free again: the next request is answered.
  GenerateRequest next;
  next.prompt = "Hello";
  next.max_tokens = 4;
  EXPECT_TRUE(chat->Generate(next).ok());
}

TEST_F(OpenAiBackend, AServerThatIsDownIsUnavailableAndNamed) {
  const std::string endpoint =
      "http://127.0.0.1:" + std::to_string(lakehouse::testing::FreeLoopbackPort()) + "/v1";
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(endpoint));
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(remote.status().message().find(endpoint), std::string::npos) << remote.status().message();
  EXPECT_NE(remote.status().message().find("2 attempt(s)"), std::string::npos) << remote.status().message();
  auto chat = OpenAiGenerator::Open(RemoteSmolLm(), Remote(endpoint));
  EXPECT_EQ(chat.status().code(), StatusCode::kUnavailable);
}

TEST_F(OpenAiBackend, AServerThatDiesIsUnavailableOnTheNextCall) {
  LlamaServerProcess server(testing::MiniLmOptions().model_path, EmbeddingServerArgs());
  ASSERT_TRUE(server.ok()) << server.error();
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(server.endpoint()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  ASSERT_TRUE((*remote)->Embed({"before"}).ok());
  server.Kill();
  auto after = (*remote)->Embed({"after"});
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable) << after.status().ToString();
}

TEST_F(OpenAiBackend, AWrongEndpointPathSaysToCheckTheEndpoint) {
  std::string endpoint = embed_server_->endpoint();
  endpoint.replace(endpoint.rfind("/v1"), 3, "/not-v1");
  auto remote = OpenAiEmbedder::Open(RemoteMiniLm(), Remote(endpoint));
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.status().code(), StatusCode::kFailedPrecondition) << remote.status().ToString();
  EXPECT_NE(remote.status().message().find("endpoint"), std::string::npos);
}

// The key comes from the secrets provider through the profile's secret_ref, and never shows.
TEST(OpenAiBackendAuth, TheApiKeyComesFromTheSecretRefAndNeverShows) {
  const std::string key = "lh-test-key-5f0c2a9e71";
  LlamaServerProcess server(testing::MiniLmOptions().model_path, {"--embedding", "--pooling", "mean", "-c",
                                                                  "512", "-ub", "512", "--api-key", key});
  ASSERT_TRUE(server.ok()) << server.error();
  AiOptions options;
  options.embed_profile = "keyed";
  AiProfileOptions p;
  p.name = "keyed";
  p.task = "embed";
  p.backend = "openai";
  p.model = "all-MiniLM-L6-v2";
  p.endpoint = server.endpoint();
  p.max_attempts = 1;
  p.secret_ref = "env:LH_TEST_OPENAI_KEY";
  options.profiles["keyed"] = p;
  p.name = "wrong";
  p.secret_ref = "env:LH_TEST_OPENAI_WRONG_KEY";
  options.profiles["wrong"] = p;
  p.name = "keyless";
  p.secret_ref = "";
  options.profiles["keyless"] = p;
  p.name = "unset";
  p.secret_ref = "env:LH_TEST_OPENAI_UNSET_KEY";
  options.profiles["unset"] = p;
  ::setenv("LH_TEST_OPENAI_KEY", key.c_str(), 1);
  ::setenv("LH_TEST_OPENAI_WRONG_KEY", "not-the-key", 1);
  ::unsetenv("LH_TEST_OPENAI_UNSET_KEY");
  ModelRegistry models(options);

  auto good = models.GetEmbedder("keyed");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  auto vectors = (*good)->Embed({"authorised"});
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  EXPECT_EQ(vectors->vectors[0].size(), 384U);

  auto wrong = models.GetEmbedder("wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(wrong.status().message().find("401"), std::string::npos) << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("secret_ref"), std::string::npos) << wrong.status().message();

  auto keyless = models.GetEmbedder("keyless");
  ASSERT_FALSE(keyless.ok());
  EXPECT_NE(keyless.status().message().find("wants an API key"), std::string::npos)
      << keyless.status().message();

  auto unset = models.GetEmbedder("unset");
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find("LH_TEST_OPENAI_UNSET_KEY"), std::string::npos)
      << unset.status().message();

  for (const auto* status : {&wrong.status(), &keyless.status(), &unset.status()}) {
    EXPECT_EQ(status->message().find(key), std::string::npos);
    EXPECT_EQ(status->message().find("not-the-key"), std::string::npos);
  }
  EXPECT_EQ(models.Describe().dump().find(key), std::string::npos);
  ::unsetenv("LH_TEST_OPENAI_KEY");
  ::unsetenv("LH_TEST_OPENAI_WRONG_KEY");
}

}  // namespace
}  // namespace lakehouse::ai
