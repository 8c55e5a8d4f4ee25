// The /ai routes of the real `lakehouse` binary with profiles that use the Ollama backend, served
// by a real Ollama (see ai/ollama_server.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ai/ollama_server.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using ai::testing::OllamaServer;
using nlohmann::json;

class OllamaRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string models = LAKEHOUSE_TEST_MODELS_DIR;
    ollama_ = std::make_unique<OllamaServer>();
    ASSERT_TRUE(ollama_->ok()) << ollama_->error();
    ASSERT_EQ(ollama_->Create("minilm", models + "/all-MiniLM-L6-v2.f32.gguf"), "");
    ASSERT_EQ(
        ollama_->Create("smollm2", models + "/SmolLM2-135M-Instruct.Q4_1.gguf", {"PARAMETER num_ctx 1024"}),
        "");
    config_ = (std::filesystem::temp_directory_path() /
               ("lakehouse-ollama-" + std::to_string(ollama_->port()) + ".toml"))
                  .string();
    down_ = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
    std::ofstream(config_)
        << "[ai.profiles.ollama-embed]\n"
           "task = \"embed\"\nbackend = \"ollama\"\nmodel = \"minilm\"\n"
           "version = \"2024-06\"\ndims = 384\nbatch_size = 16\ntimeout_ms = 180000\n"
           "endpoint = \""
        << ollama_->endpoint()
        << "\"\n\n[ai.profiles.ollama-chat]\n"
           "task = \"generate\"\nbackend = \"ollama\"\nmodel = \"smollm2\"\ntimeout_ms = 180000\n"
           "endpoint = \""
        << ollama_->endpoint()
        << "\"\n\n[ai.profiles.ollama-down]\n"
           "task = \"embed\"\nbackend = \"ollama\"\nmodel = \"minilm\"\n"
           "max_attempts = 1\nendpoint = \""
        << down_ << "\"\n";
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_});
    ASSERT_TRUE(server_->ok()) << server_->error();
  }
  void TearDown() override {
    server_.reset();
    ollama_.reset();
    if (!config_.empty()) std::filesystem::remove(config_);
  }
  HttpReply Post(const std::string& path, const json& body) const {
    return HttpCall(server_->port(), "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  json Profile(const json& models, const std::string& name) const {
    for (const auto& p : models["profiles"]) {
      if (p["name"] == name) return p;
    }
    ADD_FAILURE() << "no profile " << name << " in " << models.dump();
    return json::object();
  }

  std::unique_ptr<OllamaServer> ollama_;
  std::unique_ptr<ServerProcess> server_;
  std::string config_;
  std::string down_;
};

TEST_F(OllamaRoutes, EmbedsThroughOllamaAndRecordsTheProfilesModel) {
  // Plain ASCII prose: Ollama's own tokenizer treats accents and punctuation differently (ADR-61).
  const json texts = {"an embedding made by Ollama", "the same model as the embedded one",
                      "Zurich in winter"};
  HttpReply remote = Post("/ai/embed", {{"texts", texts}, {"profile", "ollama-embed"}});
  ASSERT_EQ(remote.status, 200) << remote.body;
  json body = json::parse(remote.body);
  EXPECT_EQ(body["profile"], "ollama-embed");
  EXPECT_EQ(body["model"], "minilm");
  EXPECT_EQ(body["version"], "2024-06");
  EXPECT_EQ(body["dims"], 384);
  HttpReply local = Post("/ai/embed", {{"texts", texts}});
  ASSERT_EQ(local.status, 200) << local.body;
  json embedded = json::parse(local.body);
  for (size_t i = 0; i < texts.size(); ++i) {
    double dot = 0;  // both sides are unit vectors
    for (size_t k = 0; k < 384; ++k) {
      dot += body["embeddings"][i][k].get<double>() * embedded["embeddings"][i][k].get<double>();
    }
    EXPECT_GE(dot, 0.999) << texts[i];
  }
}

TEST_F(OllamaRoutes, ModelsListsWhatTheOllamaServerHas) {
  HttpReply reply = HttpCall(server_->port(), "GET", "/ai/models");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json models = json::parse(reply.body);
  json chat = Profile(models, "ollama-chat");
  EXPECT_EQ(chat["backend"], "ollama");
  ASSERT_TRUE(chat["server_models"].is_array()) << chat.dump();
  std::vector<std::string> names;
  for (const auto& m : chat["server_models"]) names.push_back(m["name"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"minilm:latest", "smollm2:latest"}));
  // Listing loads nothing: the profile loads on its first request.
  EXPECT_EQ(chat["loaded"], false);
  json down = Profile(models, "ollama-down");
  EXPECT_FALSE(down.contains("server_models"));
  EXPECT_NE(down.value("server_error", "").find(down_), std::string::npos) << down.dump();
}

TEST_F(OllamaRoutes, StreamsAGenerationAsServerSentEvents) {
  HttpReply reply = Post("/ai/generate", {{"messages", {{{"role", "user"}, {"content", "Say hello."}}}},
                                          {"profile", "ollama-chat"},
                                          {"max_tokens", 16},
                                          {"stream", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.Header("Content-Type").find("text/event-stream"), std::string::npos);
  EXPECT_NE(reply.body.find("event: token"), std::string::npos) << reply.body;
  const size_t done = reply.body.find("event: done\ndata: ");
  ASSERT_NE(done, std::string::npos) << reply.body;
  const size_t start = done + std::string("event: done\ndata: ").size();
  json final = json::parse(reply.body.substr(start, reply.body.find('\n', start) - start));
  EXPECT_EQ(final["profile"], "ollama-chat");
  EXPECT_FALSE(final["text"].get<std::string>().empty());
}

TEST_F(OllamaRoutes, AnOllamaThatIsDownAnswers503NamingIt) {
  HttpReply reply = Post("/ai/embed", {{"texts", {"hello"}}, {"profile", "ollama-down"}});
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_FALSE(reply.Header("Retry-After").empty());
  const std::string message = json::parse(reply.body)["error"]["message"];
  EXPECT_NE(message.find("ollama-down"), std::string::npos) << message;
  EXPECT_NE(message.find("ollama server at " + down_), std::string::npos) << message;
  EXPECT_NE(message.find("cannot be reached"), std::string::npos) << message;

  // The same when the server that was up dies: the loaded profile's next call fails the same way.
  ASSERT_EQ(Post("/ai/embed", {{"texts", {"warm"}}, {"profile", "ollama-embed"}}).status, 200);
  ollama_->Kill();
  HttpReply after = Post("/ai/embed", {{"texts", {"hello"}}, {"profile", "ollama-embed"}});
  EXPECT_EQ(after.status, 503) << after.body;
  EXPECT_FALSE(after.Header("Retry-After").empty());
  EXPECT_NE(after.body.find("ollama server at " + ollama_->endpoint()), std::string::npos) << after.body;
}

}  // namespace
}  // namespace lakehouse::testing
