// The /vectors routes and POST /ai/ask of the real `lakehouse` binary, with the real embedding
// and generation models bootstrap placed in the cache.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

// Twelve candidates whose resumes are obviously about different trades.
const std::vector<std::tuple<std::string, std::string, std::string, std::string>> kPeople = {
    {"c01", "Ana Ruiz", "NY",
     "Executive chef running busy restaurant kitchens. Designs seasonal menus, cooks on the line, trains "
     "cooks and "
     "keeps food safety inspections spotless."},
    {"c02", "Ben Okafor", "TX",
     "Registered nurse in an intensive care unit. Monitors critically ill patients, gives medication and "
     "works "
     "night shifts with doctors."},
    {"c03", "Chen Wei", "CA",
     "Software engineer building backend services in C++ and Go. Designs distributed systems, APIs and "
     "databases."},
    {"c04", "Dana Smith", "OH",
     "Long-haul truck driver with a CDL class A license. Delivers freight across states with a clean driving "
     "record."},
    {"c05", "Eli Cohen", "NY",
     "Certified public accountant preparing tax returns, audits and monthly financial statements for small "
     "firms."},
    {"c06", "Fay Brown", "TX",
     "Licensed electrician installing commercial wiring, lighting panels and troubleshooting electrical "
     "faults."},
    {"c07", "Gus Lee", "CA",
     "High school mathematics teacher teaching algebra and calculus, coaching the chess club."},
    {"c08", "Hana Kim", "OH",
     "Forklift operator in a distribution warehouse, loading trucks, scanning inventory and keeping aisles "
     "safe."},
    {"c09", "Ivan Petrov", "WA",
     "Data scientist training machine learning models in Python, analysing experiments and building "
     "dashboards."},
    {"c10", "Jo Adams", "FL",
     "Dental hygienist cleaning teeth, taking x-rays and teaching patients oral hygiene."},
    {"c11", "Kim Park", "FL", "Pastry baker making bread, croissants and wedding cakes in a busy bakery."},
    {"c12", "Lou Grant", "TX",
     "Certified welder doing MIG and TIG welding on steel structures and pipelines."},
};

std::string ResumesJsonl() {
  std::string out;
  for (const auto& [id, name, state, text] : kPeople) {
    out += json{{"candidate_id", id}, {"name", name}, {"state", state}, {"resume_text", text}}.dump() + "\n";
  }
  return out;
}

class VectorRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    if (!server_->ok()) return;
    HttpReply ingest =
        HttpCall(server_->port(), "POST",
                 "/datasets/resumes/ingest?format=json&owner=test&source_system=test", ResumesJsonl());
    ASSERT_EQ(ingest.status, 201) << ingest.body;
    HttpReply created = Post("/vectors/indexes", {{"name", "people"},
                                                  {"dataset", "resumes"},
                                                  {"column", "resume_text"},
                                                  {"id_column", "candidate_id"},
                                                  {"chunking", {{"size", 40}, {"overlap", 5}}}});
    ASSERT_EQ(created.status, 202) << created.body;
    ready_ = WaitReady("people", 1);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->error();
    ASSERT_TRUE(ready_.contains("current")) << ready_.dump();
  }
  static HttpReply Post(const std::string& path, const json& body) {
    return HttpCall(server_->port(), "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  static json Search(const json& body, int expect_status = 200) {
    HttpReply reply = Post("/vectors/people/search", body);
    EXPECT_EQ(reply.status, expect_status) << reply.body;
    return json::parse(reply.body, nullptr, false);
  }
  // Polls the index until its generation `generation` is ready (or two minutes pass).
  static json WaitReady(const std::string& name, int generation, int port = 0) {
    json state;
    for (int i = 0; i < 1200; ++i) {
      HttpReply reply = HttpCall(port ? port : server_->port(), "GET", "/vectors/indexes/" + name);
      if (reply.status != 200) return json{{"status", reply.status}, {"body", reply.body}};
      state = json::parse(reply.body);
      if (state["state"] == "failed") return state;
      if (state.contains("current") && state["current"]["generation"] == generation &&
          !state.contains("progress"))
        return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return state;
  }
  static std::vector<std::string> DocIds(const json& result) {
    std::vector<std::string> ids;
    for (const auto& h : result["hits"]) ids.push_back(h["doc_id"]);
    return ids;
  }

  static ServerProcess* server_;
  static json ready_;
};
ServerProcess* VectorRoutes::server_ = nullptr;
json VectorRoutes::ready_;

TEST_F(VectorRoutes, IndexRecordsItsModelAndShape) {
  const json& current = ready_["current"];
  EXPECT_EQ(current["model"], "all-MiniLM-L6-v2");
  EXPECT_EQ(current["model_version"], "1");
  EXPECT_EQ(current["dims"], 384);
  EXPECT_EQ(current["doc_count"], 12);
  EXPECT_EQ(current["embedded_chunks"], current["chunk_count"]);
  EXPECT_EQ(current["chunking"]["size"], 40);
  EXPECT_TRUE(current.contains("created_at"));
  HttpReply list = HttpCall(server_->port(), "GET", "/vectors/indexes");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["indexes"][0]["name"], "people");
  // Health is re-checked in the background (server.health_interval_ms): wait for a fresh check.
  HttpReply health;
  for (int i = 0; i < 100; ++i) {
    health = HttpCall(server_->port(), "GET", "/vector/health");
    if (health.body.find("\"ready\":1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find("\"ready\":1"), std::string::npos) << health.body;
}

TEST_F(VectorRoutes, SemanticQueryReturnsTheMatchingResumeFirst) {
  json result = Search(
      {{"text", "who can cook meals in a restaurant kitchen"}, {"k", 3}, {"columns", {"name", "state"}}});
  ASSERT_EQ(result["hits"].size(), 3U) << result.dump();
  EXPECT_EQ(result["hits"][0]["doc_id"], "c01");
  EXPECT_EQ(result["hits"][0]["columns"]["name"], "Ana Ruiz");
  EXPECT_EQ(result["hits"][0]["columns"]["state"], "NY");
  EXPECT_NE(result["hits"][0]["chunk_text"].get<std::string>().find("chef"), std::string::npos);
  EXPECT_EQ(DocIds(Search({{"text", "intensive care nursing"}, {"k", 1}}))[0], "c02");
  EXPECT_EQ(DocIds(Search({{"text", "machine learning in Python"}, {"k", 1}}))[0], "c09");
  // One hit per document, best first.
  json all = Search({{"text", "job"}, {"k", 50}});
  auto ids = DocIds(all);
  EXPECT_EQ(ids.size(), 12U);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 12U);
}

// A document is fetched by id from the loaded index: its chunks, and their vectors when asked.
TEST_F(VectorRoutes, DocumentsAreFetchedByIdWithTheirChunksAndVectors) {
  json hit = Search({{"text", "intensive care nursing"}, {"k", 1}})["hits"][0];
  HttpReply plain = HttpCall(server_->port(), "GET", "/vectors/people/documents/c02");
  ASSERT_EQ(plain.status, 200) << plain.body;
  json document = json::parse(plain.body);
  EXPECT_EQ(document["doc_id"], "c02");
  EXPECT_EQ(document["model"], "all-MiniLM-L6-v2");
  ASSERT_GE(document["chunks"].size(), 1U);
  std::string text;
  for (const auto& chunk : document["chunks"]) {
    EXPECT_FALSE(chunk.contains("vector")) << "vectors only when asked";
    EXPECT_EQ(chunk["content_hash"].get<std::string>().size(), 64U);
    text += chunk["chunk_text"].get<std::string>() + " ";
  }
  EXPECT_NE(text.find(hit["chunk_text"].get<std::string>()), std::string::npos) << text;

  HttpReply with = HttpCall(server_->port(), "GET", "/vectors/people/documents/c02?vectors=true");
  ASSERT_EQ(with.status, 200) << with.body;
  const json with_vectors = json::parse(with.body);
  const json vector = with_vectors["chunks"][0]["vector"];
  ASSERT_EQ(vector.size(), 384U);
  double norm = 0;
  for (const auto& x : vector) norm += x.get<double>() * x.get<double>();
  EXPECT_NEAR(norm, 1.0, 1e-3) << "stored vectors are L2-normalised";
  // The stored vector is the one a search by that vector finds first.
  EXPECT_EQ(DocIds(Search({{"vector", vector}, {"k", 1}}))[0], "c02");

  EXPECT_EQ(HttpCall(server_->port(), "GET", "/vectors/people/documents/nobody").status, 404);
  EXPECT_EQ(HttpCall(server_->port(), "GET", "/vectors/nothing/documents/c02").status, 404);
  EXPECT_EQ(HttpCall(server_->port(), "GET", "/vectors/people/documents/c02?vectors=maybe").status, 400);
  EXPECT_EQ(HttpCall(server_->port(), "GET", "/vectors/people/documents/" + std::string(20000, 'x')).status,
            404);
}

TEST_F(VectorRoutes, FilterKeepsOnlyAllowedDocumentsEvenWhenVerySelective) {
  json texas = Search({{"text", "cook"}, {"k", 10}, {"filter", "state = 'TX'"}});
  auto ids = DocIds(texas);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{"c02", "c06", "c12"}));
  EXPECT_EQ(texas["filter_allowed_docs"], 3);
  // One allowed document that has nothing to do with the query is still the (only) answer.
  json one = Search({{"text", "restaurant chef"}, {"k", 5}, {"filter", "candidate_id = 'c05'"}});
  EXPECT_EQ(DocIds(one), std::vector<std::string>{"c05"});
  json none = Search({{"text", "restaurant chef"}, {"filter", "state = 'ZZ'"}});
  EXPECT_TRUE(none["hits"].empty());
}

TEST_F(VectorRoutes, BadFiltersAreRejected) {
  json bad = Search({{"text", "chef"}, {"filter", "state = "}}, 400);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("filter"), std::string::npos);
  Search({{"text", "chef"}, {"filter", "no_such_column = 1"}}, 400);
  HttpReply escape = Post("/vectors/people/search",
                          {{"text", "chef"}, {"filter", "EXISTS (SELECT * FROM read_text('/etc/passwd'))"}});
  EXPECT_GE(escape.status, 400);
  EXPECT_LT(escape.status, 500);
  EXPECT_EQ(escape.body.find("root:"), std::string::npos);
}

TEST_F(VectorRoutes, HybridSearchFusesKeywordsAndVectors) {
  json result = Search({{"text", "CDL class A freight"}, {"k", 3}, {"mode", "hybrid"}});
  ASSERT_FALSE(result["hits"].empty()) << result.dump();
  EXPECT_EQ(result["hits"][0]["doc_id"], "c04");
  EXPECT_TRUE(result["hits"][0].contains("keyword_score"));
  EXPECT_TRUE(result["hits"][0].contains("vector_score"));
  EXPECT_NE(result["method"].get<std::string>().find("hybrid"), std::string::npos);
  json filtered =
      Search({{"text", "welding steel"}, {"k", 3}, {"mode", "hybrid"}, {"filter", "state = 'FL'"}});
  for (const auto& id : DocIds(filtered)) EXPECT_TRUE(id == "c10" || id == "c11") << id;
}

TEST_F(VectorRoutes, SearchByVectorMatchesSearchByText) {
  HttpReply embedded = Post("/ai/embed", {{"texts", {"electrical wiring"}}});
  ASSERT_EQ(embedded.status, 200);
  json vector = json::parse(embedded.body)["embeddings"][0];
  json by_vector = Search({{"vector", vector}, {"k", 3}});
  json by_text = Search({{"text", "electrical wiring"}, {"k", 3}});
  EXPECT_EQ(DocIds(by_vector), DocIds(by_text));
  EXPECT_EQ(DocIds(by_vector)[0], "c06");
  json exact = Search({{"text", "electrical wiring"}, {"k", 3}, {"exact", true}});
  EXPECT_EQ(exact["method"], "exact");
}

TEST_F(VectorRoutes, GarbageHugeAndEmptyRequestsGetClearErrors) {
  EXPECT_EQ(HttpCall(server_->port(), "POST", "/vectors/people/search", "").status, 400);
  EXPECT_EQ(HttpCall(server_->port(), "POST", "/vectors/people/search", "{not json").status, 400);
  EXPECT_EQ(HttpCall(server_->port(), "POST", "/vectors/people/search", "[1,2]").status, 400);
  Search(json::object(), 400);
  Search({{"text", ""}}, 400);
  Search({{"text", "a"}, {"vector", {0.1, 0.2}}}, 400);
  Search({{"vector", {0.1, 0.2, 0.3}}}, 400);
  Search({{"text", "chef"}, {"k", 0}}, 400);
  Search({{"text", "chef"}, {"k", 1000000}}, 400);
  Search({{"text", "chef"}, {"mode", "psychic"}}, 400);
  Search({{"text", "chef"}, {"surprise", 1}}, 400);
  Search({{"text", std::string(200000, 'a')}}, 400);
  Search({{"text", "chef"}, {"columns", {"salary"}}}, 400);
  EXPECT_EQ(Post("/vectors/nope/search", {{"text", "chef"}}).status, 404);
  EXPECT_EQ(HttpCall(server_->port(), "GET", "/vectors/indexes/nope").status, 404);
  EXPECT_EQ(Post("/vectors/indexes", {{"name", "x"}, {"dataset", "missing"}, {"column", "t"}}).status, 404);
  EXPECT_EQ(Post("/vectors/indexes",
                 {{"name", "x"}, {"dataset", "resumes"}, {"column", "nope"}, {"id_column", "candidate_id"}})
                .status,
            400);
  EXPECT_EQ(
      Post("/vectors/indexes", {{"name", "x"}, {"dataset", "resumes"}, {"column", "resume_text"}}).status,
      400)
      << "no primary key and no id_column";
  EXPECT_EQ(Post("/vectors/indexes", {{"name", "x"},
                                      {"dataset", "resumes"},
                                      {"column", "resume_text"},
                                      {"id_column", "candidate_id"},
                                      {"chunking", {{"size", 0}}}})
                .status,
            400);
  EXPECT_EQ(
      Post("/vectors/indexes", {{"name", "bad name!"}, {"dataset", "resumes"}, {"column", "resume_text"}})
          .status,
      400);
  EXPECT_EQ(HttpCall(server_->port(), "POST", "/vectors/indexes", "").status, 400);
  // Nothing was created by the failed requests.
  EXPECT_EQ(json::parse(HttpCall(server_->port(), "GET", "/vectors/indexes").body)["indexes"].size(), 1U);
}

TEST_F(VectorRoutes, AskAnswersWithCitations) {
  HttpReply reply = Post("/ai/ask", {{"question", "Which candidate cooks in restaurant kitchens?"},
                                     {"index", "people"},
                                     {"k", 2},
                                     {"max_tokens", 40}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json answer = json::parse(reply.body);
  EXPECT_FALSE(answer["answer"].get<std::string>().empty());
  ASSERT_EQ(answer["citations"].size(), 2U);
  EXPECT_EQ(answer["citations"][0]["doc_id"], "c01");
  EXPECT_EQ(answer["citations"][0]["n"], 1);
  EXPECT_TRUE(answer["citations"][0].contains("chunk_id"));
  EXPECT_TRUE(answer["citations"][0].contains("score"));
  EXPECT_EQ(answer["model"], "SmolLM2-135M-Instruct");
  // A filter narrows what can be cited.
  json filtered = json::parse(Post("/ai/ask", {{"question", "Who cooks?"},
                                               {"index", "people"},
                                               {"k", 2},
                                               {"filter", "state = 'OH'"},
                                               {"max_tokens", 16}})
                                  .body);
  for (const auto& c : filtered["citations"]) EXPECT_TRUE(c["doc_id"] == "c04" || c["doc_id"] == "c08");
}

TEST_F(VectorRoutes, AskStreamsCitationsThenTokensThenTheAnswer) {
  HttpReply reply = Post(
      "/ai/ask",
      {{"question", "Who is a nurse?"}, {"index", "people"}, {"k", 1}, {"max_tokens", 24}, {"stream", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("content-type"), "text/event-stream");
  auto citations = reply.body.find("event: citations");
  auto token = reply.body.find("event: token");
  auto done = reply.body.find("event: done");
  ASSERT_NE(citations, std::string::npos) << reply.body;
  ASSERT_NE(done, std::string::npos) << reply.body;
  EXPECT_LT(citations, done);
  if (token != std::string::npos) {
    EXPECT_LT(token, done);
  }
  EXPECT_NE(reply.body.find("\"doc_id\":\"c02\""), std::string::npos);
}

TEST_F(VectorRoutes, BadAskRequestsAreRejected) {
  EXPECT_EQ(Post("/ai/ask", {{"index", "people"}}).status, 400);
  EXPECT_EQ(Post("/ai/ask", {{"question", "   "}, {"index", "people"}}).status, 400);
  EXPECT_EQ(Post("/ai/ask", {{"question", "x"}, {"index", "nope"}}).status, 404);
  EXPECT_EQ(Post("/ai/ask", {{"question", "x"}, {"index", "people"}, {"k", 99}}).status, 400);
  EXPECT_EQ(Post("/ai/ask", {{"question", std::string(5000, 'q')}, {"index", "people"}}).status, 400);
  EXPECT_EQ(Post("/ai/ask", {{"question", "x"}, {"index", "people"}, {"filter", "state = 'ZZ'"}}).status,
            404);
  EXPECT_EQ(HttpCall(server_->port(), "POST", "/ai/ask", "garbage").status, 400);
}

TEST_F(VectorRoutes, TuningTrialsAreMeasuredAndJournaled) {
  HttpReply reply = Post("/vectors/people/tune", {{"m", {8}},
                                                  {"ef_construction", {16}},
                                                  {"ef_search", {4, 32}},
                                                  {"k", 3},
                                                  {"queries", 12},
                                                  {"target_recall", 0.5}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  json tuned = json::parse(reply.body);
  ASSERT_EQ(tuned["trials"].size(), 2U);
  for (const auto& trial : tuned["trials"]) {
    EXPECT_GE(trial["recall"].get<double>(), 0.0);
    EXPECT_LE(trial["recall"].get<double>(), 1.0);
    EXPECT_GT(trial["p50_us"].get<double>(), 0.0);
  }
  EXPECT_FALSE(tuned["chosen"].is_null());
  HttpReply trials = HttpCall(server_->port(), "GET", "/hnsw/trials?index=people");
  ASSERT_EQ(trials.status, 200) << trials.body;
  EXPECT_GE(json::parse(trials.body)["trials"].size(), 2U);
  EXPECT_EQ(Post("/vectors/people/tune", {{"m", "many"}}).status, 400);
  EXPECT_EQ(Post("/vectors/nope/tune", json::object()).status, 404);
}

// `lakehouse ask` answers from the index the server saved, in its own process, next to the server.
TEST_F(VectorRoutes, AskCommandPrintsTheAnswerAndItsSources) {
  const std::string data_dir = server_->data_dir() + "/data";
  CommandResult asked = RunLakehouse({"ask", "Which candidate cooks in restaurant kitchens?", "--index",
                                      "people", "--k", "2", "--max-tokens", "24", "--data-dir", data_dir});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  auto sources = asked.out.find("Sources (people");
  ASSERT_NE(sources, std::string::npos) << asked.out;
  EXPECT_GT(sources, 0U) << "the answer comes first";
  EXPECT_NE(asked.out.find("[1] c01 (chunk "), std::string::npos) << asked.out;
  EXPECT_NE(asked.out.find("[2] "), std::string::npos) << asked.out;

  CommandResult filtered = RunLakehouse({"ask", "Who cooks?", "--index", "people", "--filter", "state = 'OH'",
                                         "--json", "--max-tokens", "8", "--data-dir", data_dir});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  json answer = json::parse(filtered.out);
  ASSERT_FALSE(answer["citations"].empty()) << filtered.out;
  for (const auto& c : answer["citations"]) EXPECT_TRUE(c["doc_id"] == "c04" || c["doc_id"] == "c08") << c;

  CommandResult unknown = RunLakehouse({"ask", "Who cooks?", "--index", "nope", "--data-dir", data_dir});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no vector index 'nope'"), std::string::npos) << unknown.err;
  CommandResult bad_k =
      RunLakehouse({"ask", "Who cooks?", "--index", "people", "--k", "99", "--data-dir", data_dir});
  EXPECT_EQ(bad_k.exit_code, 1);
  EXPECT_NE(bad_k.err.find("\"k\""), std::string::npos) << bad_k.err;
  CommandResult bad_filter = RunLakehouse(
      {"ask", "Who cooks?", "--index", "people", "--filter", "state = ", "--data-dir", data_dir});
  EXPECT_EQ(bad_filter.exit_code, 1);
  EXPECT_NE(bad_filter.err.find("filter"), std::string::npos) << bad_filter.err;
  CommandResult empty = RunLakehouse({"ask", "   ", "--index", "people", "--data-dir", data_dir});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
}

// Runs last among the tests that share the server (gtest runs tests in the order defined).
TEST_F(VectorRoutes, RebuildSwapsInANewGenerationReusingUnchangedEmbeddingsAndSurvivesRestart) {
  HttpReply again = Post("/vectors/indexes", {{"name", "people"},
                                              {"dataset", "resumes"},
                                              {"column", "resume_text"},
                                              {"id_column", "candidate_id"},
                                              {"chunking", {{"size", 40}, {"overlap", 5}}},
                                              {"hnsw", {{"m", 8}}}});
  ASSERT_EQ(again.status, 202) << again.body;
  // The old generation keeps answering while the new one builds.
  EXPECT_EQ(DocIds(Search({{"text", "bakery"}, {"k", 1}}))[0], "c11");
  json state = WaitReady("people", 2);
  ASSERT_TRUE(state.contains("current")) << state.dump();
  EXPECT_EQ(state["current"]["generation"], 2);
  EXPECT_EQ(state["current"]["embedded_chunks"], 0) << "nothing changed, so nothing is embedded again";
  EXPECT_EQ(state["current"]["hnsw"]["m"], 8);

  // A restart loads the newest generation from the bucket without rebuilding it.
  std::string data_dir = server_->data_dir() + "/data";
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  ServerProcess restarted({"--data-dir", data_dir});
  ASSERT_TRUE(restarted.ok()) << restarted.error();
  HttpReply loaded = HttpCall(restarted.port(), "GET", "/vectors/indexes/people");
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  json after = json::parse(loaded.body);
  EXPECT_EQ(after["state"], "ready");
  EXPECT_EQ(after["current"]["generation"], 2);
  HttpReply search = HttpCall(restarted.port(), "POST", "/vectors/people/search",
                              json{{"text", "teaches algebra"}, {"k", 1}}.dump());
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(json::parse(search.body)["hits"][0]["doc_id"], "c07");
}

}  // namespace
}  // namespace lakehouse::testing
