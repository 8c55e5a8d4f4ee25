// The event journal at 1,000,000 events: appends, field history, compaction and start cost.
//
// 1. The AppendLog floor: the same event records written with AppendLog::AppendDurable in groups
//    of --batch (one fsync'd object each), no journal around it.
// 2. EventJournal::Record of --events events in durable batches of --batch, with the background
//    compactor on (as in the server). Target: 1 M events <= 3 s. Then the same with batches 10x
//    larger.
// 3. The field history of one record (10 events) among them: right after the appends (Parquet
//    segments plus the JSONL batches the compactor has not reached), after an explicit compaction,
//    and from a journal just opened over the bucket (cold: nothing cached). Target: <= 100 ms.
// Prints a table; with --docs FILE it also rewrites the journal section of that file.
//
//   build/release/bench/journal_bench --events 1000000 --docs docs/benchmarks.md
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "journal/event_journal.h"
#include "storage/append_log.h"
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

// CPU seconds of the whole process (every thread: the compactor and DuckDB's workers too).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Row {
  std::string what;
  std::string figure;
  std::string target;
};

journal::Event MakeEvent(std::size_t j, std::size_t batch) {
  journal::Event e;
  e.dataset = "candidates";
  e.key = std::to_string(j % 100000);  // 10 events per key among 1 M
  e.field = "status";
  e.old_value = "open";
  e.new_value = "placed";
  e.op = "update";
  e.actor = "talent-ops";
  e.source = "crm";
  e.version = static_cast<std::int64_t>(j / batch) + 2;
  e.job = "journal-bench";
  return e;
}

struct Appended {
  double wall = 0;
  double cpu = 0;
};

Appended RecordAll(journal::EventJournal& journal, std::size_t events, std::size_t batch) {
  const double cpu = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < events; i += batch) {
    std::vector<journal::Event> group;
    group.reserve(batch);
    for (std::size_t j = i; j < std::min(events, i + batch); ++j) group.push_back(MakeEvent(j, batch));
    Check(journal.Record(std::move(group)));
  }
  return {Seconds(start), CpuSeconds() - cpu};
}

// Median of 5 lookups of record 4242's history; returns (ms, events found).
std::pair<double, std::size_t> History(journal::EventJournal& journal) {
  journal::EventFilter filter;
  filter.dataset = "candidates";
  filter.key = "4242";
  filter.limit = 100000;
  std::vector<double> times;
  std::size_t found = 0;
  for (int i = 0; i < 5; ++i) {
    const auto t = std::chrono::steady_clock::now();
    found = Check(journal.Find(filter)).size();
    times.push_back(Seconds(t) * 1e3);
  }
  std::sort(times.begin(), times.end());
  return {times[2], found};
}

std::pair<std::size_t, std::size_t> Objects(ObjectStore& store) {
  std::size_t segments = 0, batches = 0;
  for (const auto& info : Check(store.List(journal::kEventPrefix))) {
    if (info.key.ends_with(".parquet")) ++segments;
    if (info.key.ends_with(".jsonl")) ++batches;
  }
  return {segments, batches};
}

std::vector<Row> Measure(const std::string& dir, std::size_t events, std::size_t batch) {
  std::vector<Row> out;
  journal::EventJournalOptions options;
  options.scratch_parent = dir;

  {  // 1. The AppendLog floor, same records.
    auto store = Check(LocalObjectStore::Open("primary", dir + "/floor"));
    AppendLogOptions log_options;
    log_options.prefix = "_journal/events/";
    log_options.flush_records = 100000;
    log_options.flush_bytes = 64 << 20;
    log_options.parse_records = false;  // as the journal writes them
    auto log = Check(AppendLog::Open(*store, log_options));
    const double cpu = CpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < events; i += batch) {
      std::vector<std::string> lines;
      for (std::size_t j = i; j < std::min(events, i + batch); ++j) {
        journal::Event e = MakeEvent(j, batch);
        e.ts_us = 1700000000000000;
        e.event_id = fmt::format("ev-{}", j);
        lines.push_back(journal::EventToJsonText(e, journal::IsoTime(e.ts_us)));
      }
      Check(log->AppendDurable(std::move(lines)));
    }
    out.push_back({fmt::format("AppendLog alone: AppendDurable of the same {} event records in groups of {} "
                               "(the floor: one fsync'd object per group)",
                               events, batch),
                   fmt::format("{:.2f} s wall, {:.2f} s CPU", Seconds(start), CpuSeconds() - cpu),
                   "(reference)"});
  }

  auto store = Check(LocalObjectStore::Open("primary", dir + "/bucket"));
  auto journal = Check(journal::EventJournal::Open(*store, options));
  const Appended appended = RecordAll(*journal, events, batch);
  out.push_back({fmt::format("EventJournal::Record of {} events in durable batches of {} (compactor running)",
                             events, batch),
                 fmt::format("{:.2f} s wall, {:.2f} s CPU", appended.wall, appended.cpu), "<= 3 s"});
  auto [segments, batches] = Objects(*store);
  auto [hot, found] = History(*journal);
  out.push_back(
      {fmt::format("History of one record ({} events) among {}, right after: {} segments + {} JSONL "
                   "batches",
                   found, events, segments, batches),
       fmt::format("{:.1f} ms", hot), "<= 100 ms"});

  const double cpu = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  auto compacted = Check(journal->Compact());
  out.push_back({fmt::format("Compact the rest: {} JSONL batches ({} events) into one more segment",
                             compacted.batches, compacted.events),
                 fmt::format("{:.2f} s wall, {:.2f} s CPU", Seconds(start), CpuSeconds() - cpu),
                 "(background)"});
  std::tie(segments, batches) = Objects(*store);
  auto [compacted_ms, compacted_found] = History(*journal);
  out.push_back({fmt::format("History of one record ({} events), all {} events in {} segments",
                             compacted_found, events, segments),
                 fmt::format("{:.1f} ms", compacted_ms), "<= 100 ms"});
  journal.reset();

  {  // Start cost: a journal opened over the bucket, and its first (cold) lookup.
    const auto open_start = std::chrono::steady_clock::now();
    auto reopened = Check(journal::EventJournal::Open(*store, options));
    const double open_ms = Seconds(open_start) * 1e3;
    journal::EventFilter filter;
    filter.dataset = "candidates";
    filter.key = "4242";
    const auto first_start = std::chrono::steady_clock::now();
    const std::size_t first_found = Check(reopened->Find(filter)).size();
    out.push_back({fmt::format("Open the journal over {} segments, then the first (cold) history lookup ({} "
                               "events)",
                               segments, first_found),
                   fmt::format("{:.1f} ms + {:.1f} ms", open_ms, Seconds(first_start) * 1e3),
                   "(start cost)"});
  }

  {  // Larger batches: fewer fsync'd objects.
    auto big_store = Check(LocalObjectStore::Open("primary", dir + "/big"));
    auto big = Check(journal::EventJournal::Open(*big_store, options));
    const Appended larger = RecordAll(*big, events, batch * 10);
    out.push_back(
        {fmt::format("EventJournal::Record of {} events in durable batches of {} (compactor running)", events,
                     batch * 10),
         fmt::format("{:.2f} s wall, {:.2f} s CPU", larger.wall, larger.cpu), "<= 3 s"});
  }
  return out;
}

void WriteDocs(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string begin = "<!-- journal:start -->";
  const std::string end = "<!-- journal:end -->";
  const auto b = text.find(begin);
  const auto e = text.find(end);
  const std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n## Event journal: 1,000,000 events\n\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t events = 1000000;
  std::size_t batch = 1000;
  std::string docs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--events" && i + 1 < argc) {
      events = std::stoul(argv[++i]);
    } else if (arg == "--batch" && i + 1 < argc) {
      batch = std::max<std::size_t>(1, std::stoul(argv[++i]));
    } else if (arg == "--docs" && i + 1 < argc) {
      docs = argv[++i];
    } else {
      std::fprintf(stderr, "usage: journal_bench [--events N] [--batch N] [--docs FILE]\n");
      return 64;
    }
  }
  std::string dir = (std::filesystem::temp_directory_path() / "lakehouse-journal-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    std::fprintf(stderr, "journal_bench: cannot create a temporary directory\n");
    return 1;
  }
  int code = 0;
  try {
    std::string load_before;
    std::getline(std::ifstream("/proc/loadavg"), load_before);
    const std::vector<Row> rows = Measure(dir, events, batch);
    std::string table = "| measurement | figure | target |\n|---|---:|---|\n";
    for (const Row& row : rows) table += fmt::format("| {} | {} | {} |\n", row.what, row.figure, row.target);
    std::fputs(table.c_str(), stdout);
    std::string load;
    std::getline(std::ifstream("/proc/loadavg"), load);
    std::printf("load average before: %s\nload average after: %s\n", load_before.c_str(), load.c_str());
    if (!docs.empty()) {
      WriteDocs(docs,
                fmt::format("Command: `build/release/bench/journal_bench --events {} --batch {} --docs "
                            "docs/benchmarks.md` (release build), 2 cores shared with other builds (load "
                            "average {} before, {} after). Local bucket, every batch fsync'd.\n\n{}",
                            events, batch, load_before.substr(0, load_before.find(' ')),
                            load.substr(0, load.find(' ')), table));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "journal_bench: %s\n", e.what());
    code = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return code;
}
