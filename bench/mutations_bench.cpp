// Mutations: merge-on-read cost and the event journal.
//
// 1. A 1,000,000-row dataset with 10 % of its rows updated in deltas, queried through the merged
//    view vs the same rows compacted into one file. Target: <= 1.5x. The merged view is measured
//    both ways the project reads it: as POST /query serves it (engine/live_rows.h: hidden rows
//    computed once per version, filtered inside the scan) and as an anti join
//    (engine/merged_relation.h, what writers and compaction read).
// 2. The event journal's figures are bench/journal_bench.cpp's.
// Prints a table; with --docs FILE it also rewrites the mutations section of that file.
//
//   build/release/bench/mutations_bench --docs docs/benchmarks.md
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/database.h"
#include "engine/live_rows.h"
#include "engine/merged_relation.h"
#include "storage/local_object_store.h"

namespace {

using namespace lakehouse;

template <typename T>
T Check(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.status().ToString());
  return std::move(result).value();
}

void Check(const Status& status) {
  if (!status.ok()) throw std::runtime_error(status.ToString());
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median wall seconds of each query in `sqls` over `runs` rounds; the queries run interleaved
// (a, b, a, b, ...) so that load from other work on the machine falls on all of them alike.
std::vector<double> TimeInterleaved(engine::Connection& connection, const std::vector<std::string>& sqls,
                                    int runs) {
  std::vector<std::vector<double>> times(sqls.size());
  for (int i = 0; i < runs; ++i) {
    for (std::size_t q = 0; q < sqls.size(); ++q) {
      const auto start = std::chrono::steady_clock::now();
      auto result = Check(connection.Query(sqls[q]));
      while (Check(result.Next())) {
      }
      times[q].push_back(Seconds(start));
    }
  }
  std::vector<double> medians;
  for (auto& t : times) {
    std::sort(t.begin(), t.end());
    medians.push_back(t[t.size() / 2]);
  }
  return medians;
}

struct Row {
  std::string what;
  std::string figure;
  std::string target;
};

std::vector<Row> MeasureMerge(const std::string& dir, std::int64_t rows, int delta_files) {
  engine::DatabaseOptions options;
  auto database = Check(engine::Database::Open(options));
  auto connection = Check(engine::Connection::Open(*database));
  Check(connection.Execute("LOAD parquet"));
  // As in the query sandbox (query/sandbox_database.cpp): footers parsed once, not per query.
  Check(connection.Execute("SET parquet_metadata_cache = true"));
  const std::string base = dir + "/base.parquet";
  Check(connection.Execute(fmt::format(
      "COPY (SELECT i AS id, 'name-' || i AS name, (i * 7919) % 100 AS score, 'city-' || (i % 50) AS city "
      "FROM range({}) t(i)) TO '{}' (FORMAT parquet, COMPRESSION zstd)",
      rows, base)));
  // 10 % of the keys, spread over `delta_files` deltas, in the layout MutationService writes.
  const std::int64_t updated = rows / 10;
  std::vector<std::string> deltas;
  for (int d = 0; d < delta_files; ++d) {
    const std::string path = fmt::format("{}/delta-{}.parquet", dir, d);
    Check(connection.Execute(
        fmt::format("COPY (SELECT k AS id, 'renamed-' || k AS name, 100 - (k % 100) AS score, 'city-' || (k "
                    "% 50) AS city, "
                    "'upsert' AS _lh_op, CAST({} AS BIGINT) * 16777216 + row_number() OVER () AS _lh_seq "
                    "FROM (SELECT (i * "
                    "9973) % {} AS k FROM range({}, {}) t(i))) TO '{}' (FORMAT parquet, COMPRESSION zstd)",
                    d + 2, rows, d * updated / delta_files, (d + 1) * updated / delta_files, path)));
    deltas.push_back(path);
  }
  const std::string compacted = dir + "/compacted.parquet";
  Check(connection.Execute(fmt::format("COPY (SELECT * FROM {}) TO '{}' (FORMAT parquet, COMPRESSION zstd)",
                                       engine::MergedRelationSql({base}, deltas, "id"), compacted)));
  const std::string joined = engine::MergedRelationSql({base}, deltas, "id");
  const std::string flat = engine::MergedRelationSql({compacted}, {}, "id");
  // The query sandbox's merge: hidden rows computed once per dataset version, filtered in the scan.
  const auto masks_start = std::chrono::steady_clock::now();
  const auto live = Check(engine::LiveRows::Compute(connection, {base}, deltas, "id"));
  const double masks_seconds = Seconds(masks_start);
  Check(engine::LiveRowsFunction::Register(connection,
                                           {std::shared_ptr<const engine::FileMasks>(live, &live->base),
                                            std::shared_ptr<const engine::FileMasks>(live, &live->deltas)}));
  const std::string masked = engine::LiveMergedRelationSql({base}, deltas, 0, 1);
  std::vector<Row> out;
  out.push_back({fmt::format("hidden-row masks of the version ({} deltas), computed once", delta_files),
                 fmt::format("{:.1f} ms", masks_seconds * 1e3), "(reference)"});
  const char* queries[][2] = {
      {"GROUP BY city, avg(score)", "SELECT city, count(*), avg(score) FROM {} GROUP BY city"},
      {"point lookup (id = 4242)", "SELECT * FROM {} WHERE id = 4242"},
      {"count(*)", "SELECT count(*) FROM {}"},
  };
  for (const auto& [label, pattern] : queries) {
    const auto medians = TimeInterleaved(
        connection,
        {fmt::format(fmt::runtime(pattern), masked), fmt::format(fmt::runtime(pattern), joined),
         fmt::format(fmt::runtime(pattern), flat)},
        11);
    const double c = medians[2];
    out.push_back(
        {fmt::format("{}: merged ({} deltas, POST /query's masks) vs compacted", label, delta_files),
         fmt::format("{:.1f} ms vs {:.1f} ms = {:.2f}x", medians[0] * 1e3, c * 1e3, medians[0] / c),
         "<= 1.5x"});
    out.push_back(
        {fmt::format("{}: merged ({} deltas, anti join as writers read) vs compacted", label, delta_files),
         fmt::format("{:.1f} ms vs {:.1f} ms = {:.2f}x", medians[1] * 1e3, c * 1e3, medians[1] / c),
         "(reference)"});
  }
  // The floor of any merge: the base rows' key column has to be read to know which rows a delta
  // replaced, which the compacted query never reads.
  const auto floor = TimeInterleaved(
      connection,
      {fmt::format("SELECT city, count(*), avg(score) FROM {} WHERE hash(id) <> 0 GROUP BY city", flat),
       fmt::format("SELECT city, count(*), avg(score) FROM {} GROUP BY city", flat)},
      11);
  out.push_back(
      {"floor: compacted GROUP BY that also reads the key column vs compacted",
       fmt::format("{:.1f} ms vs {:.1f} ms = {:.2f}x", floor[0] * 1e3, floor[1] * 1e3, floor[0] / floor[1]),
       "(reference)"});
  return out;
}

void WriteDocs(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string begin = "<!-- mutations:start -->";
  const std::string end = "<!-- mutations:end -->";
  const auto b = text.find(begin);
  const auto e = text.find(end);
  const std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n## Mutations: merge-on-read and the event journal\n\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t rows = 1000000;
  std::size_t events = 1000000;
  int delta_files = 10;
  std::string docs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      rows = std::stoll(argv[++i]);
    } else if (arg == "--events" && i + 1 < argc) {
      events = std::stoul(argv[++i]);
    } else if (arg == "--deltas" && i + 1 < argc) {
      delta_files = std::stoi(argv[++i]);
    } else if (arg == "--docs" && i + 1 < argc) {
      docs = argv[++i];
    } else {
      std::fprintf(stderr, "usage: mutations_bench [--rows N] [--deltas N] [--events N] [--docs FILE]\n");
      return 64;
    }
  }
  std::string dir = (std::filesystem::temp_directory_path() / "lakehouse-mutations-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "mutations_bench: cannot create a temporary directory\n");
    return 1;
  }
  int code = 0;
  try {
    std::vector<Row> rows_out = MeasureMerge(dir, rows, delta_files);
    for (auto& row : MeasureMerge(dir, rows, 1)) rows_out.push_back(std::move(row));
    std::string table = "| measurement | figure | target |\n|---|---:|---|\n";
    for (const Row& row : rows_out)
      table += fmt::format("| {} | {} | {} |\n", row.what, row.figure, row.target);
    std::fputs(table.c_str(), stdout);
    std::string load;
    std::getline(std::ifstream("/proc/loadavg"), load);
    std::printf("load average while measuring: %s\n", load.c_str());
    if (!docs.empty()) {
      WriteDocs(docs,
                fmt::format("Command: `build/release/bench/mutations_bench --rows {} --deltas {} --events {} "
                            "--docs docs/benchmarks.md` (release build),\n2 cores shared with other builds "
                            "(load average {}). 1 M rows (id, name, score, city), 10 % of the keys "
                            "upserted in deltas;\nqueries are the median of 11 runs in one DuckDB, merged "
                            "and compacted interleaved.\n\n{}",
                            rows, delta_files, events, load.substr(0, load.find(' ')), table));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mutations_bench: %s\n", e.what());
    code = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return code;
}
