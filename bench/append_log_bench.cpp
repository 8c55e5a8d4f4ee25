// AppendLog throughput: 1,000,000 journal-sized events (about 150 bytes each) appended to a local
// bucket with the default options (a batch object every 10,000 records or 4 MiB), then read back
// with Scan and merged with Compact. Target: the 1 M appends (including writing every batch) in
// <= 3 s. Prints a table; with --docs FILE it also rewrites the append-log section of that file.
//
//   build/release/bench/append_log_bench --events 1000000 --docs docs/benchmarks.md
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/append_log.h"
#include "storage/local_object_store.h"

namespace {

using namespace lakehouse;

std::string Event(std::size_t i) {
  return fmt::format(
      "{{\"time_us\":{},\"kind\":\"dataset.row_updated\",\"dataset\":\"candidates\",\"row\":{},"
      "\"actor\":\"talent-ops\",\"fields\":[\"status\",\"rate\"],\"seq\":{}}}",
      1763900000000000 + i, i % 50000, i);
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds (user + system) this process has used: on a shared machine the wall clock also
// counts time spent waiting for a core.
double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

template <typename T>
T Check(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.status().ToString());
  return std::move(result).value();
}

void Check(const Status& status) {
  if (!status.ok()) throw std::runtime_error(status.ToString());
}

struct Row {
  std::string what;
  std::size_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  std::size_t objects = 0;
};

std::vector<Row> Measure(std::size_t events, const std::string& dir) {
  std::vector<Row> rows;
  std::vector<std::string> prepared;
  prepared.reserve(events);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < events; ++i) {
    prepared.push_back(Event(i));
    bytes += prepared.back().size();
  }
  auto store = Check(LocalObjectStore::Open("primary", dir + "/bucket"));
  const auto count_objects = [&](const std::string& prefix) { return Check(store->List(prefix)).size(); };

  {
    AppendLogOptions options;
    options.prefix = "bench/append/";
    auto log = Check(AppendLog::Open(*store, options));
    const auto start = std::chrono::steady_clock::now();
    const double cpu = CpuSeconds();
    for (std::size_t i = 0; i < events; ++i) Check(log->Append(prepared[i]));
    Check(log->Flush());
    rows.push_back({"Append one at a time, then Flush", events, Seconds(start), CpuSeconds() - cpu,
                    count_objects(options.prefix)});

    std::size_t seen = 0;
    const auto scan_start = std::chrono::steady_clock::now();
    const double scan_cpu = CpuSeconds();
    Check(log->Scan([&](const AppendLogRecord&) {
      ++seen;
      return true;
    }));
    if (seen != events) throw std::runtime_error(fmt::format("Scan saw {} of {} events", seen, events));
    rows.push_back({"Scan every record", seen, Seconds(scan_start), CpuSeconds() - scan_cpu,
                    count_objects(options.prefix)});

    const auto compact_start = std::chrono::steady_clock::now();
    const double compact_cpu = CpuSeconds();
    Check(log->Compact());
    rows.push_back({"Compact into one object", events, Seconds(compact_start), CpuSeconds() - compact_cpu,
                    count_objects(options.prefix)});
  }
  {
    AppendLogOptions options;
    options.prefix = "bench/durable/";
    auto log = Check(AppendLog::Open(*store, options));
    const auto start = std::chrono::steady_clock::now();
    const double cpu = CpuSeconds();
    constexpr std::size_t kGroup = 1000;
    for (std::size_t i = 0; i < events; i += kGroup) {
      std::vector<std::string> group(
          prepared.begin() + static_cast<std::ptrdiff_t>(i),
          prepared.begin() + static_cast<std::ptrdiff_t>(std::min(events, i + kGroup)));
      Check(log->AppendDurable(std::move(group)));
    }
    rows.push_back({"AppendDurable in groups of 1,000 (one fsync'd object each)", events, Seconds(start),
                    CpuSeconds() - cpu, count_objects(options.prefix)});
  }
  std::printf("average event: %zu bytes\n", bytes / std::max<std::size_t>(events, 1));
  return rows;
}

void WriteDocs(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string begin = "<!-- append-log:start -->";
  const std::string end = "<!-- append-log:end -->";
  const auto b = text.find(begin);
  const auto e = text.find(end);
  const std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n## AppendLog: 1,000,000 events\n\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t events = 1000000;
  std::string docs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--events" && i + 1 < argc) {
      events = std::stoul(argv[++i]);
    } else if (arg == "--docs" && i + 1 < argc) {
      docs = argv[++i];
    } else {
      std::fprintf(stderr, "usage: append_log_bench [--events N] [--docs FILE]\n");
      return 64;
    }
  }
  std::string dir = (std::filesystem::temp_directory_path() / "lakehouse-append-log-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "append_log_bench: cannot create a temporary directory\n");
    return 1;
  }
  int code = 0;
  try {
    const std::vector<Row> rows = Measure(events, dir);
    std::string table =
        "| operation | events | wall s | CPU s | events/s (wall) | objects after "
        "|\n|---|---:|---:|---:|---:|---:|\n";
    for (const Row& row : rows) {
      table += fmt::format("| {} | {} | {:.2f} | {:.2f} | {:.0f} | {} |\n", row.what, row.events, row.seconds,
                           row.cpu_seconds, static_cast<double>(row.events) / row.seconds, row.objects);
    }
    std::fputs(table.c_str(), stdout);
    std::string load;
    std::getline(std::ifstream("/proc/loadavg"), load);
    std::printf("load average while measuring: %s\n", load.c_str());
    if (!docs.empty()) {
      WriteDocs(
          docs,
          fmt::format("Command: `build/release/bench/append_log_bench --events {} --docs docs/benchmarks.md` "
                      "(release build),\n2 cores shared with other builds (load average {}). Events of about "
                      "150 bytes into a local bucket,\ndefault AppendLogOptions (a batch object every 10,000 "
                      "records or 4 MiB, PutIfAbsent, fsync'd).\nTarget: 1 M appends including every batch "
                      "write <= 3 s.\n\n{}",
                      events, load.substr(0, load.find(' ')), table));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "append_log_bench: %s\n", e.what());
    code = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return code;
}
