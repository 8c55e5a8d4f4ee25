// Catalog start time: how long Catalog::Open takes to rebuild the in-memory index from the
// manifest batches in the primary bucket, for N datasets (default 10,000; target < 1 s).
//
// Two layouts are measured: fully compacted (one batch) and the worst case the catalog allows
// before it compacts (CatalogOptions::compact_after_batches batches). Prints a table; with
// --docs FILE it also rewrites the catalog-start section of that file (docs/benchmarks.md).
//
//   build/release/bench/catalog_start --datasets 10000 --docs docs/benchmarks.md
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/manifest_store.h"
#include "catalog/scratch_directory.h"
#include "storage/bucket_registry.h"

namespace {

using namespace lakehouse;

catalog::DatasetManifest MakeManifest(int i) {
  catalog::DatasetManifest m;
  m.name = fmt::format("dataset_{:05}", i);
  m.id = fmt::format("ds-{:032x}", i);
  m.bucket = "primary";
  m.version = 1;
  for (int c = 0; c < 12; ++c)
    m.schema.push_back({fmt::format("column_{}", c), c % 3 == 0 ? "BIGINT" : "VARCHAR"});
  m.schema_fingerprint = catalog::SchemaFingerprint(m.schema);
  m.files.push_back(
      {fmt::format("datasets/{}/v1/part-0.parquet", m.name), 123456, 1000, std::string(64, 'a')});
  m.row_count = 1000;
  m.created_at_us = catalog::NowMicros();
  m.updated_at_us = m.created_at_us;
  m.content_hash = std::string(64, 'b');
  m.source_format = "csv";
  m.metadata.owner = "talent-ops";
  m.metadata.lineage = {"bullhorn", "ingest-0001", {}, ""};
  m.metadata.description = "A dataset exported from the ATS for the benchmark";
  m.metadata.tags = {"hr", "bench"};
  m.metadata.freshness_sla = "24h";
  return m;
}

struct Measured {
  std::string layout;
  std::size_t batches = 0;
  double median_ms = 0;
  double max_ms = 0;
};

Measured Measure(const std::string& layout, int datasets, std::size_t batches) {
  auto dir = catalog::ScratchDirectory::Create("", "bench-catalog");
  StorageOptions storage;
  storage.data_dir = (*dir)->File("data");
  auto buckets = BucketRegistry::Open(storage);
  if (!buckets.ok()) throw std::runtime_error(buckets.status().ToString());
  auto store = catalog::ManifestStore::Open((*buckets)->primary(), {}, "");
  std::vector<catalog::DatasetManifest> all;
  for (int i = 0; i < datasets; ++i) all.push_back(MakeManifest(i));
  const std::size_t per_batch = (all.size() + batches - 1) / batches;
  for (std::size_t start = 0; start < all.size(); start += per_batch) {
    std::vector<catalog::DatasetManifest> part(
        all.begin() + static_cast<long>(start),
        all.begin() + static_cast<long>(std::min(all.size(), start + per_batch)));
    if (auto key = (*store)->WriteBatch(part); !key.ok()) throw std::runtime_error(key.status().ToString());
  }
  catalog::CatalogOptions options;
  options.compact_after_batches = batches;  // measure the layout as it is, without compacting
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto opened = catalog::Catalog::Open(**buckets, options);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
    if ((*opened)->dataset_count() != static_cast<std::size_t>(datasets))
      throw std::runtime_error("wrong count");
    runs.push_back(ms);
  }
  std::sort(runs.begin(), runs.end());
  return {layout, batches, runs[runs.size() / 2], runs.back()};
}

void WriteDocs(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string begin = "<!-- catalog-start:start -->", end = "<!-- catalog-start:end -->";
  auto b = text.find(begin), e = text.find(end);
  std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n## Catalog: start-up with 10,000 datasets\n\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  int datasets = 10000;
  std::string docs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--datasets" && i + 1 < argc)
      datasets = std::stoi(argv[++i]);
    else if (arg == "--docs" && i + 1 < argc)
      docs = argv[++i];
  }
  try {
    std::vector<Measured> rows = {Measure("compacted", datasets, 1),
                                  Measure("uncompacted (compaction threshold)", datasets,
                                          catalog::CatalogOptions{}.compact_after_batches)};
    std::string table = "| layout | batches | median open (ms) | max of 5 (ms) |\n|---|---:|---:|---:|\n";
    for (const auto& r : rows)
      table += fmt::format("| {} | {} | {:.0f} | {:.0f} |\n", r.layout, r.batches, r.median_ms, r.max_ms);
    std::fputs(table.c_str(), stdout);
    std::string load;
    std::getline(std::ifstream("/proc/loadavg"), load);
    std::printf("load average while measuring: %s\n", load.c_str());
    if (!docs.empty()) {
      std::string section = fmt::format(
          "Command: `build/release/bench/catalog_start --datasets {} --docs docs/benchmarks.md` (release "
          "build),\n"
          "2 cores shared with other builds (load average {}). Catalog::Open rebuilding the index of {}\n"
          "datasets (12 columns, 1 data file each) from the manifest batches in a local primary bucket;\n"
          "most of the time is parsing the JSON records (spread over the cores). Target: < 1 s.\n\n{}",
          datasets, load.substr(0, load.find(' ')), datasets, table);
      WriteDocs(docs, section);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "catalog_start: %s\n", e.what());
    return 1;
  }
  return 0;
}
