// End to end: row mutations, compaction, the event journal, time travel, one writer across
// processes and crash safety -- all through the real binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"

namespace lakehouse::testing {
namespace {

using nlohmann::json;

const std::string kCandidates =
    "id,name,score\n"
    "1,Ada,91\n"
    "2,Grace,80\n"
    "3,Linus,70\n";

const std::string kIngest = "/datasets/candidates/ingest?format=csv&owner=talent&source_system=ats";

json Post(const ServerProcess& server, const std::string& target, const std::string& body, int expect) {
  HttpReply reply = HttpCall(server.port(), "POST", target, body);
  EXPECT_EQ(reply.status, expect) << target << " " << body << " -> " << reply.body;
  return reply.body.empty() ? json() : json::parse(reply.body, nullptr, false);
}

// Rows of `sql` as JSON arrays.
json Rows(const ServerProcess& server, const std::string& sql, const json& as_of = nullptr) {
  json body = {{"sql", sql}};
  if (!as_of.is_null()) body["as_of"] = as_of;
  json answer = Post(server, "/query", body.dump(), 200);
  return answer.is_object() ? answer["rows"] : json();
}

void LoadCandidatesWithKey(const ServerProcess& server) {
  Post(server, kIngest, kCandidates, 201);
  HttpReply patched = HttpCall(server.port(), "PATCH", "/datasets/candidates", R"({"primary_key":"id"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
}

TEST(Mutations, UpsertAndDeleteAreMergedOnReadThenCompacted) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  LoadCandidatesWithKey(server);
  const json v1 = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates").body);

  json changed = Post(server, "/datasets/candidates/rows",
                      R"({"upsert":[{"id":1,"name":"Ada L"},{"id":4,"name":"Barbara","score":88}],
                          "delete":[2], "actor":"recruiter-7", "source":"crm", "workspace_id":"ws-1"})",
                      200);
  EXPECT_EQ(changed["upserted"], 2);
  EXPECT_EQ(changed["deleted"], 1);
  EXPECT_EQ(changed["dataset"]["row_count"], 3);
  ASSERT_EQ(changed["dataset"]["deltas"].size(), 1u);
  EXPECT_EQ(changed["dataset"]["files"], v1["files"]) << "base files are never rewritten";

  // A partial upsert keeps the other columns; the delete hides the row; the insert appears.
  EXPECT_EQ(Rows(server, "SELECT id, name, score FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada L",91],[3,"Linus",70],[4,"Barbara",88]])"));
  // The latest write per key wins across deltas.
  Post(server, "/datasets/candidates/rows", R"({"upsert":[{"id":1,"score":95}],"actor":"a","source":"crm"})",
       200);
  Post(server, "/datasets/candidates/rows",
       R"({"upsert":[{"id":2,"name":"Grace H","score":81}],"actor":"a","source":"crm"})", 200);
  EXPECT_EQ(Rows(server, "SELECT id, name, score FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada L",95],[2,"Grace H",81],[3,"Linus",70],[4,"Barbara",88]])"));

  // Field-level history of one record, and the journal as SQL.
  json history = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates/rows/1/history").body);
  ASSERT_EQ(history["fields"]["name"].size(), 1u) << history.dump();
  EXPECT_EQ(history["fields"]["name"][0]["old"], "Ada");
  EXPECT_EQ(history["fields"]["name"][0]["new"], "Ada L");
  EXPECT_EQ(history["fields"]["name"][0]["actor"], "recruiter-7");
  ASSERT_EQ(history["fields"]["score"].size(), 1u);
  EXPECT_EQ(history["fields"]["score"][0]["old"], "91");
  EXPECT_EQ(history["fields"]["score"][0]["new"], "95");
  EXPECT_EQ(
      Rows(server, "SELECT op, old, new, workspace_id FROM journal WHERE key = '2' ORDER BY ts, field"),
      json::parse(R"([["delete","2",null,"ws-1"],["delete","Grace",null,"ws-1"],["delete","80",null,"ws-1"],
                            ["insert",null,"2",""],["insert",null,"Grace H",""],["insert",null,"81",""]])"));
  json by_actor =
      json::parse(HttpCall(server.port(), "GET", "/journal?dataset=candidates&actor=recruiter-7").body);
  EXPECT_EQ(by_actor["count"], 7) << "the name of id 1, 3 inserted fields of id 4, 3 deleted fields of id 2: "
                                  << by_actor.dump();
  EXPECT_EQ(HttpCall(server.port(), "GET", "/journal?since=yesterday").status, 400);

  // Time travel: by version and by time.
  EXPECT_EQ(Rows(server, "SELECT id, name FROM candidates ORDER BY id", json{{"candidates", 1}}),
            json::parse(R"([[1,"Ada"],[2,"Grace"],[3,"Linus"]])"));
  const std::int64_t after_first = changed["dataset"]["created_at_us"].get<std::int64_t>();
  EXPECT_EQ(Rows(server, "SELECT id, name, score FROM candidates ORDER BY id", std::to_string(after_first)),
            json::parse(R"([[1,"Ada L",91],[3,"Linus",70],[4,"Barbara",88]])"));
  json before =
      Post(server, "/query", R"({"sql":"SELECT count(*) FROM candidates","as_of":"2001-01-01"})", 400);
  EXPECT_NE(before.dump().find("candidates"), std::string::npos)
      << "before the dataset existed there is no table";

  // Compaction: a new base version, same rows, no deltas; the old versions stay.
  json compacted = Post(server, "/datasets/candidates/compact", R"({"actor":"ops"})", 200);
  EXPECT_EQ(compacted["deltas_merged"], 3);
  EXPECT_TRUE(compacted["dataset"]["deltas"].empty());
  EXPECT_EQ(compacted["dataset"]["row_count"], 4);
  EXPECT_EQ(Rows(server, "SELECT id, name, score FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada L",95],[2,"Grace H",81],[3,"Linus",70],[4,"Barbara",88]])"));
  EXPECT_TRUE(Post(server, "/datasets/candidates/compact", "", 200)["unchanged"].get<bool>());
  json versions = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates/versions").body);
  EXPECT_EQ(versions["versions"].size(), 5u);
  EXPECT_EQ(Rows(server, "SELECT id, name FROM candidates ORDER BY id", json{{"candidates", 1}}),
            json::parse(R"([[1,"Ada"],[2,"Grace"],[3,"Linus"]])"));
  EXPECT_EQ(Rows(server, "SELECT count(*) FROM journal WHERE op = 'compaction' AND actor = 'ops'"),
            json::parse("[[1]]"));
}

TEST(Mutations, BadRequestsAre400AndChangeNothing) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  Post(server, kIngest, kCandidates, 201);
  json error =
      Post(server, "/datasets/candidates/rows", R"({"upsert":[{"id":1}],"actor":"a","source":"s"})", 400);
  EXPECT_NE(error["error"]["message"].get<std::string>().find("no primary key"), std::string::npos);
  ASSERT_EQ(HttpCall(server.port(), "PATCH", "/datasets/candidates", R"({"primary_key":"id"})").status, 200);

  auto message = [&](const std::string& body) {
    json answer = Post(server, "/datasets/candidates/rows", body, 400);
    return answer.is_object() ? answer["error"]["message"].get<std::string>() : std::string();
  };
  EXPECT_NE(
      message(R"({"upsert":[{"id":1,"nme":"x"}],"actor":"a","source":"s"})").find("unknown column 'nme'"),
      std::string::npos);
  EXPECT_NE(
      message(R"({"upsert":[{"name":"x"}],"actor":"a","source":"s"})").find("key column 'id' is missing"),
      std::string::npos);
  const std::string mistyped = message(R"({"upsert":[{"id":1,"score":"high"}],"actor":"a","source":"s"})");
  EXPECT_NE(mistyped.find("upsert[0]: column 'score' is BIGINT"), std::string::npos) << mistyped;
  EXPECT_NE(message(R"({"delete":["abc"],"actor":"a","source":"s"})").find("column 'id' is BIGINT"),
            std::string::npos);
  EXPECT_NE(message(R"({"upsert":[{"id":1}],"delete":[1],"actor":"a","source":"s"})").find("more than once"),
            std::string::npos);
  EXPECT_NE(message(R"({"upsert":[{"id":1}]})").find("'actor' is required"), std::string::npos);
  EXPECT_NE(message(R"({"actor":"a","source":"s"})").find("nothing to do"), std::string::npos);
  EXPECT_EQ(Post(server, "/datasets/candidates/rows", "not json", 400).is_object(), true);
  Post(server, "/datasets/nobody/rows", R"({"delete":[1],"actor":"a","source":"s"})", 404);

  json shown = json::parse(HttpCall(server.port(), "GET", "/datasets/candidates").body);
  EXPECT_EQ(shown["version"], 1) << "no rejected request committed anything";
  EXPECT_EQ(Rows(server, "SELECT count(*) FROM journal WHERE key IS NOT NULL"), json::parse("[[0]]"));
}

// Runs a server on `data_dir` with `env` added.
std::unique_ptr<ServerProcess> Serve(const std::string& data_dir, std::map<std::string, std::string> env = {},
                                     const std::string& lease_ttl_s = "2") {
  env.emplace("LAKEHOUSE_CATALOG_WRITER_LEASE_TTL_S", lease_ttl_s);
  return std::make_unique<ServerProcess>(std::vector<std::string>{"--data-dir", data_dir}, env);
}

std::string FreshDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("lh-mut-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(Mutations, OneWriterAcrossProcessesAndAStaleLeaseExpires) {
  const std::string dir = FreshDir("lease");
  {
    auto setup = Serve(dir);
    ASSERT_TRUE(setup->ok()) << setup->error();
    LoadCandidatesWithKey(*setup);
  }
  // Process A dies while it holds the writer lease, after its delta object was stored.
  auto a = Serve(dir, {{"LAKEHOUSE_FAULT_POINT", "delta.after_upload"}}, "8");
  ASSERT_TRUE(a->ok()) << a->error();
  HttpReply lost = HttpCall(a->port(), "POST", "/datasets/candidates/rows",
                            R"({"upsert":[{"id":1,"name":"Lost"}],"actor":"a","source":"s"})");
  EXPECT_NE(lost.status, 200) << "the write was never acknowledged";
  const int a_pid = a->pid();
  EXPECT_EQ(a->Stop(SIGKILL), 86) << "ended by the fault point";

  // Process B shares the bucket: it reads at once, but cannot write until the lease expires.
  auto b = Serve(dir);
  ASSERT_TRUE(b->ok()) << b->error();
  EXPECT_EQ(Rows(*b, "SELECT name FROM candidates WHERE id = 1"), json::parse(R"([["Ada"]])"));
  const std::string change = R"({"upsert":[{"id":1,"name":"Kept"}],"actor":"b","source":"s"})";
  HttpReply refused = HttpCall(b->port(), "POST", "/datasets/candidates/rows", change);
  ASSERT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find(":" + std::to_string(a_pid)), std::string::npos)
      << "the error names the holder: " << refused.body;
  int status = refused.status;
  for (int i = 0; i < 100 && status == 409; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    status = HttpCall(b->port(), "POST", "/datasets/candidates/rows", change).status;
  }
  EXPECT_EQ(status, 200) << "a dead holder's lease expires";
  EXPECT_EQ(Rows(*b, "SELECT name FROM candidates WHERE id = 1"), json::parse(R"([["Kept"]])"));
  EXPECT_EQ(Rows(*b, "SELECT count(*) FROM journal WHERE new = 'Lost'"), json::parse("[[0]]"));
  json history = json::parse(HttpCall(b->port(), "GET", "/datasets/candidates/rows/1/history").body);
  ASSERT_EQ(history["fields"]["name"].size(), 1u) << "the crashed change is not history: " << history.dump();
  EXPECT_EQ(history["fields"]["name"][0]["new"], "Kept");
  b.reset();
  std::filesystem::remove_all(dir);
}

// Every crash point of ingest, delta write and compaction: kill there, restart, check.
TEST(Mutations, CrashAtEveryStepLosesNothingAcknowledgedAndShowsNothingHalfDone) {
  struct Point {
    const char* name;
    const char* action;  // "rows", "compact" or "ingest"
    bool committed;      // the change is durable once the process reached this point
  };
  const Point points[] = {
      {"ingest.after_upload", "ingest", false},   {"catalog.before_commit", "ingest", false},
      {"catalog.after_commit", "ingest", true},   {"delta.before_upload", "rows", false},
      {"delta.after_upload", "rows", false},      {"delta.after_journal", "rows", false},
      {"catalog.before_commit", "rows", false},   {"catalog.after_commit", "rows", true},
      {"delta.after_commit", "rows", true},       {"compact.before_upload", "compact", false},
      {"compact.after_upload", "compact", false}, {"compact.after_commit", "compact", true},
  };
  const std::string change = R"({"upsert":[{"id":1,"name":"Changed"}],"actor":"x","source":"s"})";
  const std::string second_file = "id,name,score\n1,Ada,91\n9,Zed,1\n";
  for (const auto& point : points) {
    SCOPED_TRACE(std::string(point.name) + " during " + point.action);
    const std::string dir = FreshDir("crash");
    {
      auto setup = Serve(dir);
      ASSERT_TRUE(setup->ok()) << setup->error();
      LoadCandidatesWithKey(*setup);
      if (std::string(point.action) == "compact") Post(*setup, "/datasets/candidates/rows", change, 200);
    }
    {
      auto doomed = Serve(dir, {{"LAKEHOUSE_FAULT_POINT", point.name}});
      ASSERT_TRUE(doomed->ok()) << doomed->error();
      const std::string action = point.action;
      HttpReply reply =
          action == "rows"      ? HttpCall(doomed->port(), "POST", "/datasets/candidates/rows", change)
          : action == "compact" ? HttpCall(doomed->port(), "POST", "/datasets/candidates/compact", "")
                                : HttpCall(doomed->port(), "POST", kIngest, second_file);
      EXPECT_EQ(reply.status, 0) << "no answer: the process died at the point; got " << reply.body;
      EXPECT_EQ(doomed->Stop(SIGKILL), 86);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // the dead writer's lease expires
    auto after = Serve(dir);
    ASSERT_TRUE(after->ok()) << "the catalog and journal load after the crash: " << after->error();
    json shown = json::parse(HttpCall(after->port(), "GET", "/datasets/candidates").body);
    const std::string action = point.action;
    if (action == "ingest") {
      EXPECT_EQ(Rows(*after, "SELECT count(*) FROM candidates WHERE id = 9"),
                json::parse(point.committed ? "[[1]]" : "[[0]]"));
      EXPECT_EQ(shown["version"], point.committed ? 2 : 1);
    } else if (action == "rows") {
      EXPECT_EQ(Rows(*after, "SELECT name FROM candidates WHERE id = 1"),
                json::parse(point.committed ? R"([["Changed"]])" : R"([["Ada"]])"));
      json history = json::parse(HttpCall(after->port(), "GET", "/datasets/candidates/rows/1/history").body);
      EXPECT_EQ(history["fields"].contains("name"), point.committed)
          << "the journal agrees with the data: " << history.dump();
    } else {
      EXPECT_EQ(shown["deltas"].empty(), point.committed);
      EXPECT_EQ(Rows(*after, "SELECT name FROM candidates WHERE id = 1"), json::parse(R"([["Changed"]])"));
    }
    // The dataset stays writable, and what was acknowledged before the crash is all there.
    Post(*after, "/datasets/candidates/rows", R"({"upsert":[{"id":3,"score":1}],"actor":"y","source":"s"})",
         200);
    EXPECT_EQ(Rows(*after, "SELECT score FROM candidates WHERE id = 3"), json::parse("[[1]]"));
    const bool replaced = action == "ingest" && point.committed;  // the second file has no id 2
    EXPECT_EQ(Rows(*after, "SELECT count(*) FROM candidates WHERE id = 2"),
              json::parse(replaced ? "[[0]]" : "[[1]]"));
    after.reset();
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace lakehouse::testing
