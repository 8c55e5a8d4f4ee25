// A vector index follows its dataset: rows deleted or changed through POST /datasets/{name}/rows
// leave search results at the very next search, and a background refresh re-embeds only the
// documents that changed. The real `lakehouse` binary and the real embedding model.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

const char* kResumes =
    R"({"candidate_id":"c01","state":"NY","resume_text":"Executive chef running restaurant kitchens and designing seasonal menus."}
{"candidate_id":"c02","state":"TX","resume_text":"Registered nurse in an intensive care unit, monitoring critically ill patients."}
{"candidate_id":"c03","state":"CA","resume_text":"Software engineer building backend services in C++ and Go, designing APIs."}
{"candidate_id":"c04","state":"OH","resume_text":"Long-haul truck driver with a CDL class A license delivering freight."}
{"candidate_id":"c05","state":"NY","resume_text":"Certified public accountant preparing tax returns and audits."}
{"candidate_id":"c06","state":"TX","resume_text":"Licensed electrician installing commercial wiring and lighting panels."}
)";

class VectorFreshness : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.error();
    ASSERT_EQ(HttpCall(server_.port(), "POST", "/datasets/resumes/ingest?format=json&owner=t&source_system=t",
                       kResumes)
                  .status,
              201);
    ASSERT_EQ(
        HttpCall(server_.port(), "PATCH", "/datasets/resumes", R"({"primary_key":"candidate_id"})").status,
        200);
    HttpReply created =
        Post("/vectors/indexes", {{"name", "fresh"}, {"dataset", "resumes"}, {"column", "resume_text"}});
    ASSERT_EQ(created.status, 202) << created.body;
    ASSERT_TRUE(WaitUntil([&] { return Index().contains("current") && !Index().contains("progress"); }))
        << Index().dump();
  }
  HttpReply Post(const std::string& path, const json& body) {
    return HttpCall(server_.port(), "POST", path, body.dump(), {{"Content-Type", "application/json"}});
  }
  json Index() { return json::parse(HttpCall(server_.port(), "GET", "/vectors/indexes/fresh").body); }
  // The doc_ids a search of index "fresh" returns, from this fixture's server or the one on `port`.
  std::vector<std::string> Ids(const json& body, int port = 0) {
    HttpReply reply = HttpCall(port != 0 ? port : server_.port(), "POST", "/vectors/fresh/search",
                               body.dump(), {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<std::string> ids;
    const json answer = json::parse(reply.body);  // not a temporary: the loop reads into it
    for (const auto& h : answer["hits"]) ids.push_back(h["doc_id"]);
    return ids;
  }
  static bool Has(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  template <typename Done>
  static bool WaitUntil(Done done) {
    for (int i = 0; i < 1200; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  ServerProcess server_;
};

TEST_F(VectorFreshness, DeletedAndChangedDocumentsLeaveResultsAtOnceAndOnlyChangesAreReembedded) {
  const json chef = {{"text", "restaurant chef cooking menus"}, {"k", 6}};
  ASSERT_TRUE(Has(Ids(chef), "c01"));

  ASSERT_EQ(Post("/datasets/resumes/rows", {{"delete", {"c01"}}, {"actor", "t"}, {"source", "t"}}).status,
            200);
  // The very next searches, in every mode, no longer return the deleted document.
  EXPECT_FALSE(Has(Ids(chef), "c01"));
  EXPECT_EQ(Ids(chef).size(), 5U) << "the other documents are all still there";
  EXPECT_FALSE(Has(Ids({{"text", "restaurant chef"}, {"k", 6}, {"mode", "hybrid"}}), "c01"));
  EXPECT_FALSE(Has(Ids({{"text", "restaurant chef"}, {"k", 6}, {"filter", "state = 'NY'"}}), "c01"));
  EXPECT_FALSE(Has(Ids({{"text", "restaurant chef"}, {"k", 6}, {"exact", true}}), "c01"));
  EXPECT_EQ(HttpCall(server_.port(), "GET", "/vectors/fresh/documents/c01").status, 404)
      << "a deleted document is not fetched by id either";
  HttpReply asked =
      Post("/ai/ask", {{"question", "Who is a chef?"}, {"index", "fresh"}, {"k", 5}, {"max_tokens", 4}});
  ASSERT_EQ(asked.status, 200) << asked.body;
  const json answer = json::parse(asked.body);
  for (const auto& c : answer["citations"]) EXPECT_NE(c["doc_id"], "c01");

  // A changed text: the stale chunk is not served, and the refresh embeds the new text only.
  ASSERT_EQ(
      Post("/datasets/resumes/rows",
           {{"upsert",
             {{{"candidate_id", "c03"}, {"resume_text", "Pastry baker making wedding cakes and bread."}}}},
            {"actor", "t"},
            {"source", "t"}})
          .status,
      200);
  EXPECT_FALSE(Has(Ids({{"text", "software engineer backend APIs"}, {"k", 1}}), "c03"));
  const std::int64_t version =
      json::parse(HttpCall(server_.port(), "GET", "/datasets/resumes").body)["version"].get<std::int64_t>();
  json refreshed;
  ASSERT_TRUE(WaitUntil([&] {
    Ids({{"text", "bakery"}, {"k", 1}});  // a search notices the change and starts the refresh
    refreshed = Index();
    return !refreshed.contains("progress") && refreshed["current"]["dataset_version"] == version;
  })) << refreshed.dump();
  EXPECT_EQ(refreshed["current"]["doc_count"], 5);
  // Appended to the generation as fragments, not rebuilt: the first removes c01, the second
  // holds one chunk, the changed resume's.
  EXPECT_EQ(refreshed["current"]["generation"], 1);
  EXPECT_EQ(refreshed["current"]["fragments"], 2);
  EXPECT_EQ(refreshed["current"]["appended_chunks"], 1) << "only the changed resume is embedded again";
  EXPECT_EQ(Ids({{"text", "wedding cakes bakery"}, {"k", 1}}), std::vector<std::string>{"c03"});
  EXPECT_FALSE(Has(Ids(chef), "c01"));

  // The fragments are durable: a restarted server loads them with the generation.
  ASSERT_EQ(server_.Stop(SIGTERM), 0);
  ServerProcess again({"--data-dir", server_.data_dir() + "/data"});
  ASSERT_TRUE(again.ok()) << again.error();
  const json loaded = json::parse(HttpCall(again.port(), "GET", "/vectors/indexes/fresh").body);
  EXPECT_EQ(loaded["current"]["fragments"], 2) << loaded.dump();
  EXPECT_EQ(loaded["current"]["doc_count"], 5);
  EXPECT_EQ(Ids({{"text", "wedding cakes bakery"}, {"k", 1}}, again.port()), std::vector<std::string>{"c03"});
  EXPECT_FALSE(Has(Ids(chef, again.port()), "c01"));
  EXPECT_EQ(Ids(chef, again.port()).size(), 5U);
}

// A refresh that appends more rows than an exact scan handles cheaply goes on to fold them into
// the next generation's graph, and swaps it in.
TEST_F(VectorFreshness, ALargeAppendIsFoldedIntoTheNextGeneration) {
  HttpReply created = Post("/vectors/indexes", {{"name", "tiny"},
                                                {"dataset", "resumes"},
                                                {"column", "resume_text"},
                                                {"chunking", {{"size", 2}, {"overlap", 0}}}});
  ASSERT_EQ(created.status, 202) << created.body;
  auto tiny = [&] { return json::parse(HttpCall(server_.port(), "GET", "/vectors/indexes/tiny").body); };
  ASSERT_TRUE(WaitUntil([&] { return tiny().contains("current") && !tiny().contains("progress"); }))
      << tiny().dump();
  ASSERT_EQ(tiny()["current"]["generation"], 1);
  std::string text;
  for (int i = 0; i < 530; ++i) text += "underwater welding offshore platforms ";  // 1,060 chunks
  ASSERT_EQ(
      Post("/datasets/resumes/rows",
           {{"upsert", {{{"candidate_id", "c07"}, {"resume_text", text}}}}, {"actor", "t"}, {"source", "t"}})
          .status,
      200);
  json folded;
  ASSERT_TRUE(WaitUntil([&] {
    (void)Post("/vectors/tiny/search", {{"text", "welding"}, {"k", 1}});  // notices the change
    folded = tiny();
    return !folded.contains("progress") && folded["current"]["generation"] == 2;
  })) << folded.dump();
  EXPECT_EQ(folded["current"]["fragments"], 0);
  EXPECT_EQ(folded["current"]["doc_count"], 7);
  EXPECT_EQ(folded["current"]["embedded_chunks"], 1060) << "embedded once, for the append and the fold";
  HttpReply found = Post("/vectors/tiny/search", {{"text", "underwater welding"}, {"k", 1}});
  ASSERT_EQ(found.status, 200) << found.body;
  const json hits = json::parse(found.body)["hits"];
  ASSERT_EQ(hits.size(), 1U);
  EXPECT_EQ(hits[0]["doc_id"], "c07");
  const std::string logs = server_.Logs();
  EXPECT_NE(logs.find("vector index appended"), std::string::npos);
  EXPECT_NE(logs.find("folding its fragments"), std::string::npos);
}

}  // namespace
}  // namespace lakehouse::testing
