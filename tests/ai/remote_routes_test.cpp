// The /ai routes of the real `lakehouse` binary with profiles that use the OpenAI-compatible
// backend, served by a real llama-server.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ai/llama_server_process.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using ai::testing::LlamaServerProcess;
using nlohmann::json;

class RemoteRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string models = LAKEHOUSE_TEST_MODELS_DIR;
    embed_ = new LlamaServerProcess(models + "/all-MiniLM-L6-v2.f32.gguf",
                                    {"--embedding", "--pooling", "mean", "-c", "512", "-ub", "512"});
    chat_ = new LlamaServerProcess(models + "/SmolLM2-135M-Instruct.Q4_1.gguf", {"-c", "1024"});
    if (!embed_->ok() || !chat_->ok()) return;
    config_ = (std::filesystem::temp_directory_path() /
               ("lakehouse-remote-" + std::to_string(embed_->port()) + ".toml"))
                  .string();
    const std::string down = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/v1";
    std::ofstream(config_) << "[ai.profiles.remote]\n"
                              "task = \"embed\"\nbackend = \"openai\"\nmodel = \"all-MiniLM-L6-v2\"\n"
                              "version = \"2024-06\"\ndims = 384\nbatch_size = 16\n"
                              "endpoint = \""
                           << embed_->endpoint()
                           << "\"\n\n[ai.profiles.remote-chat]\n"
                              "task = \"generate\"\nbackend = \"openai\"\nmodel = \"SmolLM2-135M-Instruct\"\n"
                              "endpoint = \""
                           << chat_->endpoint()
                           << "\"\n\n[ai.profiles.down]\n"
                              "task = \"embed\"\nbackend = \"openai\"\nmodel = \"all-MiniLM-L6-v2\"\n"
                              "max_attempts = 1\nendpoint = \""
                           << down << "\"\n";
    server_ = new ServerProcess({"--config", config_});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete embed_;
    delete chat_;
    server_ = nullptr;
    embed_ = chat_ = nullptr;
    if (!config_.empty()) std::filesystem::remove(config_);
  }
  void SetUp() override {
    ASSERT_TRUE(embed_->ok()) << embed_->error();
    ASSERT_TRUE(chat_->ok()) << chat_->error();
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(server_->ok()) << server_->error();
  }
  static HttpReply Post(const std::string& path, const json& body) {
    return HttpCall(server_->port(), "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  static LlamaServerProcess* embed_;
  static LlamaServerProcess* chat_;
  static ServerProcess* server_;
  static std::string config_;
};
LlamaServerProcess* RemoteRoutes::embed_ = nullptr;
LlamaServerProcess* RemoteRoutes::chat_ = nullptr;
ServerProcess* RemoteRoutes::server_ = nullptr;
std::string RemoteRoutes::config_;

TEST_F(RemoteRoutes, EmbedsThroughTheServerAndRecordsTheProfilesModel) {
  const json texts = {"a remote embedding", "the same model as the embedded one", "Zürich"};
  HttpReply remote = Post("/ai/embed", {{"texts", texts}, {"profile", "remote"}});
  ASSERT_EQ(remote.status, 200) << remote.body;
  json body = json::parse(remote.body);
  EXPECT_EQ(body["profile"], "remote");
  EXPECT_EQ(body["model"], "all-MiniLM-L6-v2");
  EXPECT_EQ(body["version"], "2024-06");
  EXPECT_EQ(body["dims"], 384);
  HttpReply local = Post("/ai/embed", {{"texts", texts}});
  ASSERT_EQ(local.status, 200) << local.body;
  json embedded = json::parse(local.body);
  for (size_t i = 0; i < texts.size(); ++i) {
    double dot = 0;
    for (size_t k = 0; k < 384; ++k) {
      dot += body["embeddings"][i][k].get<double>() * embedded["embeddings"][i][k].get<double>();
    }
    EXPECT_GE(dot, 0.999) << texts[i];
  }
}

TEST_F(RemoteRoutes, AServerThatIsDownAnswers503NamingIt) {
  HttpReply reply = Post("/ai/embed", {{"texts", {"hello"}}, {"profile", "down"}});
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_FALSE(reply.Header("Retry-After").empty());
  json body = json::parse(reply.body);
  const std::string message = body["error"]["message"];
  EXPECT_NE(message.find("down"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot be reached"), std::string::npos) << message;
  // The models list shows the failure too.
  json models = json::parse(HttpCall(server_->port(), "GET", "/ai/models").body);
  bool found = false;
  for (const auto& p : models["profiles"]) {
    if (p["name"] != "down") continue;
    found = true;
    EXPECT_EQ(p["backend"], "openai");
    EXPECT_FALSE(p.value("error", "").empty());
  }
  EXPECT_TRUE(found);
}

TEST_F(RemoteRoutes, StreamsAGenerationAsServerSentEvents) {
  HttpReply reply = Post("/ai/generate", {{"messages", {{{"role", "user"}, {"content", "Say hello."}}}},
                                          {"profile", "remote-chat"},
                                          {"max_tokens", 16},
                                          {"stream", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.Header("Content-Type").find("text/event-stream"), std::string::npos);
  EXPECT_NE(reply.body.find("event: token"), std::string::npos) << reply.body;
  const size_t done = reply.body.find("event: done\ndata: ");
  ASSERT_NE(done, std::string::npos) << reply.body;
  const size_t start = done + std::string("event: done\ndata: ").size();
  json final = json::parse(reply.body.substr(start, reply.body.find('\n', start) - start));
  EXPECT_EQ(final["profile"], "remote-chat");
  EXPECT_FALSE(final["text"].get<std::string>().empty());
}

}  // namespace
}  // namespace lakehouse::testing
