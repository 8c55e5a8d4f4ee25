// The CSV scan's own CPU cost, part by part: CsvProfiler (splitting + ColumnProfile of every value),
// TextCheck (UTF-8, NUL, line length) and SHA-256 over a file held in memory, fed in the 128 KiB blocks
// ingest feeds. This is the work `lakehouse ingest` adds to DuckDB's COPY on a machine whose cores the COPY
// already fills, so its nanoseconds per value bound the ingest ratio of bench/tpch.py.
//
//   build/release/bench/csv_profile_bench FILE.csv [--mb 256] [--runs 5]
//
// The dialect is RFC 4180 with a header; the column count comes from the header line.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "ingest/csv_profiler.h"
#include "ingest/text_check.h"

namespace {

using namespace lakehouse;

template <typename F>
double BestSeconds(int runs, F&& f) {
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.csv [--mb N] [--runs N]\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  std::size_t mb = 256;
  int runs = 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--mb") {
      mb = std::stoul(argv[i + 1]);
    } else if (flag == "--runs") {
      runs = std::stoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  std::string bytes(mb << 20, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  // Whole records only, so that every run ends where a record ends.
  bytes.resize(bytes.rfind('\n') + 1);
  ingest::CsvDialect dialect;
  const std::string header = bytes.substr(0, bytes.find('\n'));
  dialect.columns = 1 + static_cast<std::size_t>(std::count(header.begin(), header.end(), ','));

  constexpr std::size_t kBlock = 128 << 10;
  std::int64_t records = 0, values = 0;
  bool trusted = true;
  const double profile = BestSeconds(runs, [&] {
    ingest::CsvProfiler profiler(dialect);
    for (std::size_t at = 0; at < bytes.size(); at += kBlock)
      profiler.Feed(std::string_view(bytes).substr(at, kBlock));
    profiler.Finish();
    trusted = profiler.trusted();
    records = profiler.records();
    values = 0;
    for (const auto& column : profiler.columns()) values += column.count(ingest::kNonNull);
  });
  if (!trusted) {
    std::fprintf(stderr, "the profiler does not trust its reading of %s\n", path.c_str());
    return 1;
  }
  bool text_ok = true;
  const double text = BestSeconds(runs, [&] {
    ingest::TextCheck check(16 << 20, "CSV");
    for (std::size_t at = 0; at < bytes.size(); at += kBlock)
      text_ok = text_ok && check.Feed(std::string_view(bytes).substr(at, kBlock)).ok();
  });
  if (!text_ok) {
    std::fprintf(stderr, "%s is not UTF-8 text with lines under 16 MiB\n", path.c_str());
    return 1;
  }
  std::string digest;
  const double sha = BestSeconds(runs, [&] { digest = Sha256::Of(bytes); });
  const double mib = static_cast<double>(bytes.size()) / (1 << 20);
  std::printf("%s: %.0f MiB, %lld records, %lld values, %zu columns (best of %d)\n", path.c_str(), mib,
              static_cast<long long>(records), static_cast<long long>(values), dialect.columns, runs);
  std::printf("| part | seconds | MiB/s | ns per value |\n|---|---:|---:|---:|\n");
  std::printf("| CsvProfiler (split + profile) | %.3f | %.0f | %.1f |\n", profile, mib / profile,
              profile * 1e9 / static_cast<double>(values));
  std::printf("| TextCheck (UTF-8, NUL, line length) | %.3f | %.0f | %.1f |\n", text, mib / text,
              text * 1e9 / static_cast<double>(values));
  std::printf("| SHA-256 | %.3f | %.0f | %.1f |\n", sha, mib / sha, sha * 1e9 / static_cast<double>(values));
  return 0;
}
