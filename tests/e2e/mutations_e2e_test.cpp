// End to end: row mutations, compaction, the event journal, time travel, one writer across
// processes and crash safety -- all through the real binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/connection.h"
#include "engine/database.h"
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

// Time travel written in the SQL itself: AT (VERSION => n) and AT (TIMESTAMP => t) on a table.
TEST(Mutations, SqlAtClauseReadsOldVersionsAndRejectsUnknownOnes) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.error();
  LoadCandidatesWithKey(server);
  const std::int64_t v1 = json::parse(
      HttpCall(server.port(), "GET", "/datasets/candidates/versions").body)["versions"][0]["version"];
  json changed = Post(server, "/datasets/candidates/rows",
                      R"({"upsert":[{"id":1,"name":"Ada L"}],"delete":[2],"actor":"a","source":"crm"})", 200);
  const std::int64_t mutated_at = changed["dataset"]["created_at_us"].get<std::int64_t>();
  Post(server, "/datasets/candidates/rows",
       R"({"upsert":[{"id":3,"name":"Linus T"}],"actor":"a","source":"crm"})", 200);
  const std::string at_v1 = "candidates AT (VERSION => " + std::to_string(v1) + ")";

  EXPECT_EQ(Rows(server, "SELECT id, name FROM " + at_v1 + " ORDER BY id"),
            json::parse(R"([[1,"Ada"],[2,"Grace"],[3,"Linus"]])"));
  EXPECT_EQ(Rows(server, "SELECT id, name FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada L"],[3,"Linus T"]])"))
      << "a reference without AT is the current version";
  // Old and current side by side; the alias goes before AT.
  EXPECT_EQ(Rows(server,
                 "SELECT cur.id, old.name, cur.name FROM candidates AS cur JOIN candidates AS old AT "
                 "(VERSION => " +
                     std::to_string(v1) + ") ON cur.id = old.id ORDER BY cur.id"),
            json::parse(R"([[1,"Ada","Ada L"],[3,"Linus","Linus T"]])"));
  // By time: the version current then, with exactly the deltas it had (the first mutation only).
  EXPECT_EQ(Rows(server, "SELECT id, name FROM candidates AT (TIMESTAMP => make_timestamp(" +
                             std::to_string(mutated_at) + ")) ORDER BY id"),
            json::parse(R"([[1,"Ada L"],[3,"Linus"]])"));
  EXPECT_EQ(Rows(server, "WITH old AS (SELECT * FROM " + at_v1 +
                             ") SELECT count(*) FROM old WHERE id IN "
                             "(SELECT id FROM candidates AT (VERSION => " +
                             std::to_string(v1) + "))"),
            json::parse("[[3]]"));

  auto error = [&](const std::string& sql, int status) {
    json answer = Post(server, "/query", json{{"sql", sql}}.dump(), status);
    return answer.is_object() ? answer["error"]["message"].get<std::string>() : std::string();
  };
  EXPECT_NE(error("SELECT * FROM candidates AT (VERSION => 99)", 400).find("no version 99"),
            std::string::npos);
  EXPECT_NE(error("SELECT * FROM candidates AT (VERSION => 'last')", 400).find("version must be a number"),
            std::string::npos);
  EXPECT_NE(error("SELECT * FROM candidates AT (TIMESTAMP => TIMESTAMP '2001-01-01 00:00:00')", 400)
                .find("did not exist yet at 2001-01-01"),
            std::string::npos);
  EXPECT_NE(error("SELECT * FROM nosuch AT (VERSION => 1)", 400).find("no dataset has that name"),
            std::string::npos);
  // The AT value is evaluated where nothing outside can be read; the sandbox still applies.
  EXPECT_NE(
      error("SELECT * FROM candidates AT (VERSION => (SELECT count(*) FROM read_text('/etc/passwd')))", 400)
          .find("version must be a number"),
      std::string::npos);
  error("SELECT * FROM read_text('/etc/passwd'), " + at_v1, 403);
  EXPECT_EQ(Rows(server, "SELECT 'meet at (noon)' AS at"), json::parse(R"json([["meet at (noon)"]])json"))
      << "text that only looks like an AT clause is left alone";
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
      EXPECT_EQ(Rows(*after, "SELECT count(*) FROM journal WHERE op = 'ingest'"),
                json::parse(point.committed ? "[[2]]" : "[[1]]"))
          << "SQL's journal shows no event of a change that crashed before its commit";
    } else if (action == "rows") {
      EXPECT_EQ(Rows(*after, "SELECT name FROM candidates WHERE id = 1"),
                json::parse(point.committed ? R"([["Changed"]])" : R"([["Ada"]])"));
      json history = json::parse(HttpCall(after->port(), "GET", "/datasets/candidates/rows/1/history").body);
      EXPECT_EQ(history["fields"].contains("name"), point.committed)
          << "the journal agrees with the data: " << history.dump();
      EXPECT_EQ(Rows(*after, "SELECT count(*) FROM journal WHERE new = 'Changed'"),
                json::parse(point.committed ? "[[1]]" : "[[0]]"))
          << "SQL's journal shows the same events as the history";
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

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::int64_t VersionCount(const ServerProcess& server) {
  return static_cast<std::int64_t>(
      json::parse(HttpCall(server.port(), "GET", "/datasets/candidates/versions").body)["versions"].size());
}

// `lakehouse ingest FILE --name D --delta`: a file of row changes applied as one mutation, by the
// real binary, next to a running server that sees it.
TEST(Mutations, DeltaFileIngestThroughTheCliIsOneJournaledMutation) {
  const std::string dir = FreshDir("delta-cli");
  auto server = Serve(dir);
  ASSERT_TRUE(server->ok()) << server->error();
  LoadCandidatesWithKey(*server);
  const std::string files = dir + "-files";
  std::filesystem::create_directories(files);
  auto ingest = [&](const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ingest", file, "--name", "candidates", "--delta", "--data-dir", dir};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunLakehouse(args);
  };

  // CSV: a partial upsert (name is not in the file, so it is kept), a delete, an insert.
  WriteFile(files + "/changes.csv", "op,id,score\nupsert,1,95\nDelete,2,\nupsert,4,88\n");
  CommandResult csv = ingest(files + "/changes.csv", {"--actor", "loader", "--source-system", "crm"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("2 upserted, 1 deleted"), std::string::npos) << csv.out;
  // The server sees another process's commit on its next catalog read (GET /datasets/...).
  json dataset = json::parse(HttpCall(server->port(), "GET", "/datasets/candidates").body);
  EXPECT_EQ(dataset["deltas"].size(), 1u) << "one delta object for the whole file";
  EXPECT_EQ(Rows(*server, "SELECT id, name, score FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada",95],[3,"Linus",70],[4,null,88]])"));
  EXPECT_EQ(Rows(*server, "SELECT op, old, new, source FROM journal WHERE actor = 'loader' AND key = '1'"),
            json::parse(R"([["update","91","95","crm"]])"));

  // NDJSON, op in any case; then Parquet with the op column named otherwise.
  WriteFile(files + "/changes.ndjson",
            "{\"op\":\"upsert\",\"id\":3,\"name\":\"Linus T\"}\n\n{\"op\":\"DELETE\",\"id\":4}\n");
  CommandResult ndjson = ingest(files + "/changes.ndjson");
  ASSERT_EQ(ndjson.exit_code, 0) << ndjson.err;
  {
    auto database = engine::Database::Open({});
    ASSERT_TRUE(database.ok());
    auto connection = engine::Connection::Open(**database);
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE(
        connection
            ->Execute("COPY (SELECT 'upsert' AS change, 5 AS id, 'Barbara' AS name, 77 AS score) TO '" +
                      files + "/changes.parquet' (FORMAT parquet)")
            .ok());
  }
  CommandResult parquet = ingest(files + "/changes.parquet", {"--op-column", "change", "--json"});
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err;
  EXPECT_EQ(json::parse(parquet.out)["upserted"], 1) << parquet.out;
  EXPECT_EQ(json::parse(HttpCall(server->port(), "GET", "/datasets/candidates").body)["deltas"].size(), 3u);
  EXPECT_EQ(Rows(*server, "SELECT id, name, score FROM candidates ORDER BY id"),
            json::parse(R"([[1,"Ada",95],[3,"Linus T",70],[5,"Barbara",77]])"));

  // Bad files: a clear error naming the line, exit code 3, and nothing written.
  const std::int64_t versions = VersionCount(*server);
  auto refused = [&](const std::string& name, const std::string& text, const std::string& expected) {
    WriteFile(files + "/" + name, text);
    CommandResult bad = ingest(files + "/" + name);
    EXPECT_EQ(bad.exit_code, 3) << name << ": " << bad.err;
    EXPECT_NE(bad.err.find(expected), std::string::npos) << name << ": " << bad.err;
  };
  // The quoted field spans two lines, so the bad op is on line 4.
  refused("bad-op.csv", "op,id,name\nupsert,1,\"Ada\nL\"\nremove,3,x\n",
          "line 4: op must be 'upsert' or 'delete', not 'remove'");
  refused("bad-op.ndjson", "{\"op\":\"upsert\",\"id\":1}\n{\"op\":7,\"id\":3}\n",
          "line 2: op must be 'upsert' or 'delete', not 7");
  refused("no-op.csv", "id,name\n1,x\n", "no 'op' column");
  refused("twice.csv", "op,id\nupsert,1\ndelete,1\n", "line 3: key 1 was already changed on line 2");
  refused("no-key.ndjson", "{\"op\":\"delete\"}\n", "line 1: the key column 'id' is missing");
  refused("bad-type.csv", "op,id,score\nupsert,1,95\nupsert,3,lots\n", "line 3: column 'score' is BIGINT");
  refused("unknown-column.ndjson", "{\"op\":\"upsert\",\"id\":1,\"salary\":5}\n",
          "line 1: unknown column 'salary'");
  refused("garbage.ndjson", "{\"op\":\"upsert\",\"id\":1}\nnot json\n", "line 2");
  refused("empty.csv", "op,id\n", "has no rows");
  EXPECT_EQ(VersionCount(*server), versions);
  EXPECT_EQ(RunLakehouse({"ingest", files + "/changes.csv", "--name", "nosuch", "--delta", "--data-dir", dir})
                .exit_code,
            3);

  // The writer lease: a server that died holding it makes the CLI fail (exit 1), not wait.
  server.reset();
  auto holder = Serve(dir, {{"LAKEHOUSE_FAULT_POINT", "delta.after_upload"}}, "30");
  ASSERT_TRUE(holder->ok()) << holder->error();
  HttpCall(holder->port(), "POST", "/datasets/candidates/rows",
           R"({"upsert":[{"id":1,"name":"Lost"}],"actor":"a","source":"s"})");
  holder->Stop(SIGKILL);
  holder.reset();
  CommandResult blocked = ingest(files + "/changes.ndjson");
  EXPECT_EQ(blocked.exit_code, 1) << blocked.err;
  EXPECT_NE(blocked.err.find("candidates"), std::string::npos) << blocked.err;
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(files);
}

}  // namespace
}  // namespace lakehouse::testing
