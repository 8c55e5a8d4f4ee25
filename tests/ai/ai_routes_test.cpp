// The /ai routes of the real `lakehouse` binary, with the real models bootstrap placed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

class AiRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }
  static HttpReply Post(const std::string& path, const json& body) {
    return HttpCall(server_->port(), "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  static ServerProcess* server_;
};
ServerProcess* AiRoutes::server_ = nullptr;

TEST_F(AiRoutes, EmbedsTextsAndRecordsTheModel) {
  HttpReply reply = Post("/ai/embed", {{"texts", {"hello world", "Grüße aus Zürich"}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = json::parse(reply.body);
  EXPECT_EQ(body["model"], "all-MiniLM-L6-v2");
  EXPECT_EQ(body["profile"], "minilm");
  EXPECT_EQ(body["version"], "1");
  EXPECT_EQ(body["dims"], 384);
  ASSERT_EQ(body["embeddings"].size(), 2U);
  double norm = 0;
  for (double x : body["embeddings"][0]) norm += x * x;
  EXPECT_NEAR(norm, 1.0, 1e-4);
  EXPECT_EQ(body["truncated"], json({false, false}));
}

TEST_F(AiRoutes, ListsModelProfiles) {
  HttpReply reply = HttpCall(server_->port(), "GET", "/ai/models");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = json::parse(reply.body);
  EXPECT_EQ(body["embed_profile"], "minilm");
  EXPECT_EQ(body["generate_profile"], "smollm2");
  std::vector<std::string> names;
  for (const auto& p : body["profiles"]) names.push_back(p["name"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "minilm"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "smollm2"), names.end());
}

TEST_F(AiRoutes, HealthReportsLoadedProfiles) {
  ASSERT_EQ(Post("/ai/embed", {{"texts", {"warm up"}}}).status, 200);
  json health;
  for (int i = 0; i < 50; ++i) {  // health is re-checked in the background every second
    health = json::parse(HttpCall(server_->port(), "GET", "/ai/health").body);
    if (health.value("loaded_profiles", 0) >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(health["status"], "ok");
  EXPECT_GE(health["loaded_profiles"], 1) << health.dump();
}

TEST_F(AiRoutes, BadEmbedInputGetsAClear4xx) {
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {R"({"texts":[]})", 400, "invalid_argument"},
      {R"({"texts":["ok",""]})", 400, "invalid_argument"},
      {R"({"texts":"not a list"})", 400, "invalid_argument"},
      {R"({"texts":[1,2]})", 400, "invalid_argument"},
      {R"({})", 400, "invalid_argument"},
      {"not json", 400, "invalid_argument"},
      {"{\"texts\":[\"bad \xff utf8\"]}", 400, "invalid_argument"},
      {R"({"texts":["x"],"profile":"nope"})", 404, "not_found"},
      {R"({"texts":["x"],"profile":"smollm2"})", 400, "invalid_argument"},
  };
  for (const auto& c : cases) {
    HttpReply reply = HttpCall(server_->port(), "POST", "/ai/embed", c.body);
    EXPECT_EQ(reply.status, c.status) << c.body << " -> " << reply.body;
    json error = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << reply.body;
    EXPECT_EQ(error["error"]["code"], c.code) << c.body;
    EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());
  }
}

TEST_F(AiRoutes, TooManyTextsAreRefused) {
  json texts = json::array();
  for (int i = 0; i < 257; ++i) texts.push_back("text");
  HttpReply reply = Post("/ai/embed", {{"texts", texts}});
  EXPECT_EQ(reply.status, 413) << reply.body;
  EXPECT_NE(reply.body.find("ai.max_texts"), std::string::npos);
}

TEST_F(AiRoutes, AMegabyteTextIsTruncatedAndFlagged) {
  std::string huge;
  while (huge.size() < (1U << 20)) huge += "a long text about lakes and houses. ";
  HttpReply reply = Post("/ai/embed", {{"texts", {huge, "short"}}});
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 300);
  json body = json::parse(reply.body);
  EXPECT_EQ(body["truncated"], json({true, false}));
  EXPECT_EQ(body["embeddings"][0].size(), 384U);
}

TEST_F(AiRoutes, GeneratesAnAnswer) {
  HttpReply reply =
      Post("/ai/generate", {{"messages", {{{"role", "user"}, {"content", "What is the capital of France?"}}}},
                            {"max_tokens", 24}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = json::parse(reply.body);
  EXPECT_EQ(body["model"], "SmolLM2-135M-Instruct");
  EXPECT_NE(body["text"].get<std::string>().find("Paris"), std::string::npos) << body.dump();
  EXPECT_GT(body["usage"]["completion_tokens"], 0);
}

TEST_F(AiRoutes, StreamsGenerationAsServerSentEvents) {
  HttpReply reply = Post(
      "/ai/generate", {{"prompt", "The days of the week are Monday,"}, {"max_tokens", 12}, {"stream", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "text/event-stream");
  // Token events carry the text piece by piece; the done event carries the whole of it.
  std::string streamed;
  json done;
  size_t pos = 0;
  int tokens = 0;
  while ((pos = reply.body.find("event: ", pos)) != std::string::npos) {
    size_t eol = reply.body.find('\n', pos);
    std::string event = reply.body.substr(pos + 7, eol - pos - 7);
    size_t data_end = reply.body.find("\n\n", eol);
    json data = json::parse(reply.body.substr(eol + 7, data_end - eol - 7));
    if (event == "token") {
      streamed += data["text"].get<std::string>();
      ++tokens;
    } else if (event == "done") {
      done = data;
    }
    pos = data_end;
  }
  EXPECT_GT(tokens, 1);
  ASSERT_TRUE(done.is_object()) << reply.body;
  EXPECT_EQ(done["text"], streamed);
  EXPECT_EQ(done["usage"]["completion_tokens"], 12);
}

TEST_F(AiRoutes, BadGenerateInputGetsAClear4xx) {
  std::string long_prompt;
  for (int i = 0; i < 3000; ++i) long_prompt += "word ";
  const std::vector<std::pair<json, int>> cases = {
      {json::object(), 400},
      {{{"prompt", "a"}, {"messages", {{{"role", "user"}, {"content", "b"}}}}}, 400},
      {{{"messages", {{{"role", "wizard"}, {"content", "b"}}}}}, 400},
      {{{"messages", "hello"}}, 400},
      {{{"prompt", "hi"}, {"max_tokens", 0}}, 400},
      {{{"prompt", "hi"}, {"temperature", -1}}, 400},
      {{{"prompt", "hi"}, {"stream", "yes"}}, 400},
      {{{"prompt", long_prompt}}, 400},
      {{{"prompt", long_prompt}, {"stream", true}}, 400},
      {{{"prompt", "hi"}, {"profile", "minilm"}}, 400},
  };
  for (const auto& [body, status] : cases) {
    HttpReply reply = Post("/ai/generate", body);
    EXPECT_EQ(reply.status, status) << body.dump().substr(0, 200) << " -> " << reply.body;
    json error = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << reply.body;
    EXPECT_EQ(error["error"]["code"], "invalid_argument");
  }
}

TEST_F(AiRoutes, ConcurrentRequestsAllSucceed) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(8);
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      HttpReply reply = i % 4 == 3 ? Post("/ai/generate", {{"prompt", "Hello"}, {"max_tokens", 4}})
                                   : Post("/ai/embed", {{"texts", {"concurrent text " + std::to_string(i)}}});
      statuses[i] = reply.status;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int status : statuses) EXPECT_EQ(status, 200);
}

TEST(AiRoutesUnavailable, AMissingModelGets503NamingItWithRetryAfter) {
  const std::string config = ::testing::TempDir() + "/ai-missing-model.toml";
  std::ofstream(config) << "[ai.profiles.gone]\nmodel = \"gone-model\"\npath = \"/nonexistent/gone.gguf\"\n";
  ServerProcess server({"--config", config});
  ASSERT_TRUE(server.ok()) << server.error();
  HttpReply reply = HttpCall(server.port(), "POST", "/ai/embed", R"({"texts":["hello"],"profile":"gone"})");
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.Header("Retry-After"), "30");
  json error = json::parse(reply.body);
  EXPECT_EQ(error["error"]["code"], "unavailable");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("gone"), std::string::npos);
  EXPECT_NE(error["error"]["message"].get<std::string>().find("scripts/bootstrap"), std::string::npos);
  // The other profiles keep working.
  EXPECT_EQ(HttpCall(server.port(), "POST", "/ai/embed", R"({"texts":["hello"]})").status, 200);
}

}  // namespace
}  // namespace lakehouse::testing
