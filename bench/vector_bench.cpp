// vector_bench: build, search, filtered search, save and cold load of a VectorIndex.
//
// Data (stated in docs/benchmarks.md with the figures):
//   synthetic  N vectors of D dims with clustered structure (1,000 Gaussian clusters of random
//              unit centres, L2-normalised; fixed seed), plus Q held-back queries drawn the same
//              way. These are NOT embeddings of text: they stand in for the original design's
//              100K x 768 figures, which were measured on a set of the same size.
//   real       (--real) the demo resumes embedded with the real all-MiniLM-L6-v2 model; 10% of
//              them held back as queries.
// Ground truth is exact (brute-force) search. Latency is single-query, one thread.
//
//   build/release/bench/vector_bench --n 100000 --dims 768 --queries 1000 [--real MODEL.gguf]
//       [--dump DIR] [--docs docs/benchmarks.md]
// --dump writes base.f32, queries.f32 and truth.i32 for bench/vector_peers.py (hnswlib, FAISS).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "ai/llama_embedder.h"
#include "common/json.h"
#include "demo/staffing_demo.h"
#include "storage/local_object_store.h"
#include "vector/vector_index.h"

using namespace lakehouse;
using namespace lakehouse::vector;

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

void Normalize(float* v, size_t dims) {
  double norm = 0;
  for (size_t i = 0; i < dims; ++i) norm += static_cast<double>(v[i]) * v[i];
  auto scale = static_cast<float>(1.0 / std::sqrt(std::max(norm, 1e-30)));
  for (size_t i = 0; i < dims; ++i) v[i] *= scale;
}

// Clustered unit vectors: a random cluster centre plus Gaussian noise, normalised.
std::vector<float> Clustered(size_t n, size_t dims, const std::vector<float>& centres, std::mt19937_64& rng) {
  const size_t clusters = centres.size() / dims;
  std::normal_distribution<float> noise(0.0F, 0.7F / std::sqrt(static_cast<float>(dims)));
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(n * dims);
  for (size_t i = 0; i < n; ++i) {
    const float* c = centres.data() + pick(rng) * dims;
    for (size_t j = 0; j < dims; ++j) out[i * dims + j] = c[j] + noise(rng);
    Normalize(out.data() + i * dims, dims);
  }
  return out;
}

struct Set {
  std::string name;
  size_t dims = 0;
  std::vector<float> base, queries;
};

std::vector<std::vector<uint32_t>> ExactTruth(const VectorIndex& index, const Set& set, int k,
                                              const RowFilter* filter = nullptr) {
  const size_t q = set.queries.size() / set.dims;
  std::vector<std::vector<uint32_t>> truth(q);
  auto work = [&](size_t from, size_t step) {
    for (size_t i = from; i < q; i += step) {
      std::vector<float> query(set.queries.begin() + static_cast<long>(i * set.dims),
                               set.queries.begin() + static_cast<long>((i + 1) * set.dims));
      SearchOptions options;
      options.k = k;
      options.exact = true;
      options.filter = filter;
      auto found = index.Search(query, options);
      for (const auto& h : found->hits) truth[i].push_back(h.row);
    }
  };
  std::thread other(work, 1, 2);
  work(0, 2);
  other.join();
  return truth;
}

struct Row {
  std::string set, mode;
  int ef = 0;
  double recall = 0, p50 = 0, p95 = 0;
};

template <typename SearchFn>
Row Measure(const Set& set, const std::vector<std::vector<uint32_t>>& truth, int k, SearchFn search) {
  const size_t q = set.queries.size() / set.dims;
  std::vector<double> us;
  double recall = 0;
  for (size_t i = 0; i < q; ++i) {
    std::vector<float> query(set.queries.begin() + static_cast<long>(i * set.dims),
                             set.queries.begin() + static_cast<long>((i + 1) * set.dims));
    auto t = Clock::now();
    std::vector<ChunkHit> hits = search(query);
    us.push_back(Seconds(t) * 1e6);
    std::set<uint32_t> want(truth[i].begin(), truth[i].end());
    int got = 0;
    for (size_t j = 0; j < hits.size() && j < static_cast<size_t>(k); ++j)
      got += want.contains(hits[j].row) ? 1 : 0;
    recall += want.empty() ? 1.0 : static_cast<double>(got) / static_cast<double>(want.size());
  }
  std::sort(us.begin(), us.end());
  Row row;
  row.recall = recall / static_cast<double>(q);
  row.p50 = us[us.size() / 2];
  row.p95 = us[us.size() * 95 / 100];
  return row;
}

std::vector<ChunkRecord> Records(size_t n) {
  std::vector<ChunkRecord> records(n);
  for (size_t i = 0; i < n; ++i) records[i] = {fmt::format("d{}", i), 0, fmt::format("document {}", i), ""};
  return records;
}

void WriteRaw(const std::string& path, const void* data, size_t bytes) {
  std::ofstream(path, std::ios::binary)
      .write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

void WriteDocs(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::string begin = "<!-- vector-bench:start -->", end = "<!-- vector-bench:end -->";
  auto b = text.find(begin), e = text.find(end);
  std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos) {
    text.replace(b, e + end.size() - b, block);
  } else {
    text += "\n## Vector search: HNSW build, search, filtered search, cold load\n\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 100000, dims = 768, queries = 1000;
  int m = 16, efc = 80, k = 10;
  std::string docs, real_model, dump;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (arg == "--n")
      n = std::stoul(next());
    else if (arg == "--dims")
      dims = std::stoul(next());
    else if (arg == "--queries")
      queries = std::stoul(next());
    else if (arg == "--m")
      m = std::stoi(next());
    else if (arg == "--efc")
      efc = std::stoi(next());
    else if (arg == "--docs")
      docs = next();
    else if (arg == "--real")
      real_model = next();
    else if (arg == "--dump")
      dump = next();
    else {
      fmt::print(
          stderr,
          "usage: vector_bench [--n N] [--dims D] [--queries Q] [--m M] [--efc EF] [--real MODEL.gguf] "
          "[--dump DIR] [--docs FILE]\n");
      return 2;
    }
  }
  std::vector<Set> sets;
  {
    std::mt19937_64 rng(20261123);
    std::normal_distribution<float> gauss(0.0F, 1.0F);
    std::vector<float> centres(1000 * dims);
    for (auto& x : centres) x = gauss(rng);
    for (size_t c = 0; c < 1000; ++c) Normalize(centres.data() + c * dims, dims);
    Set set{fmt::format("synthetic {}K x {}", n / 1000, dims), dims, Clustered(n, dims, centres, rng),
            Clustered(queries, dims, centres, rng)};
    sets.push_back(std::move(set));
  }
  if (!real_model.empty()) {
    ai::LlamaOptions options;
    options.model_path = real_model;
    options.context = 256;
    auto embedder = ai::LlamaEmbedder::Open({"minilm", "llama", "all-MiniLM-L6-v2", "1", 384, 256}, options);
    if (!embedder.ok()) {
      fmt::print(stderr, "{}\n", embedder.status().ToString());
      return 1;
    }
    auto files = demo::GenerateStaffingDemo({});
    std::vector<std::string> texts;
    for (const auto& f : *files) {
      if (f.dataset != "resumes") continue;
      std::istringstream lines(f.content);
      std::string line;
      while (std::getline(lines, line)) texts.push_back((*ParseJson(line))["resume_text"].get<std::string>());
    }
    auto t = Clock::now();
    Set set{fmt::format("demo resumes ({} x 384, all-MiniLM-L6-v2)", texts.size() - texts.size() / 10),
            384,
            {},
            {}};
    for (size_t i = 0; i < texts.size(); i += 64) {
      std::vector<std::string> batch(texts.begin() + static_cast<long>(i),
                                     texts.begin() + static_cast<long>(std::min(i + 64, texts.size())));
      auto embedded = (*embedder)->Embed(batch);
      for (size_t j = 0; j < embedded->vectors.size(); ++j) {
        auto& target = (i + j) % 10 == 0 ? set.queries : set.base;
        target.insert(target.end(), embedded->vectors[j].begin(), embedded->vectors[j].end());
      }
    }
    fmt::print("embedded {} resumes in {:.1f} s ({:.0f} texts/s)\n", texts.size(), Seconds(t),
               static_cast<double>(texts.size()) / Seconds(t));
    sets.push_back(std::move(set));
  }

  std::string table =
      "| data | search | ef | recall@10 | p50 (us) | p95 (us) |\n|---|---|---:|---:|---:|---:|\n";
  std::string build_table =
      "| data | vectors | build (s) | save (s) | cold load (s) | index memory (MiB) |\n"
      "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& set : sets) {
    const size_t count = set.base.size() / set.dims;
    IndexDescriptor d;
    d.name = "bench";
    d.dataset = "bench";
    d.bucket = "primary";
    d.text_column = "text";
    d.id_column = "id";
    d.profile = "bench";
    d.model = "bench";
    d.model_version = "1";
    d.dims = static_cast<int>(set.dims);
    d.generation = 1;
    d.hnsw = {m, efc, 32};
    long rss_before = RssKb();
    auto t = Clock::now();
    auto index = VectorIndex::Build(d, Records(count), set.base);
    if (!index.ok()) {
      fmt::print(stderr, "{}\n", index.status().ToString());
      return 1;
    }
    double build_s = Seconds(t);
    double memory_mib = static_cast<double>(RssKb() - rss_before) / 1024.0;
    fmt::print("{}: built in {:.1f} s\n", set.name, build_s);
    auto truth = ExactTruth(**index, set, k);
    if (!dump.empty() && &set == &sets.front()) {
      std::filesystem::create_directories(dump);
      WriteRaw(dump + "/base.f32", set.base.data(), set.base.size() * sizeof(float));
      WriteRaw(dump + "/queries.f32", set.queries.data(), set.queries.size() * sizeof(float));
      std::vector<int32_t> flat;
      for (const auto& t10 : truth) flat.insert(flat.end(), t10.begin(), t10.end());
      WriteRaw(dump + "/truth.i32", flat.data(), flat.size() * sizeof(int32_t));
      std::ofstream(dump + "/meta.json") << ToJsonText({{"n", count},
                                                        {"dims", set.dims},
                                                        {"queries", set.queries.size() / set.dims},
                                                        {"k", k},
                                                        {"m", m},
                                                        {"ef_construction", efc}});
    }
    std::optional<Row> chosen;
    for (int ef : {10, 16, 24, 32, 48, 64, 96, 128, 192}) {
      Row row = Measure(set, truth, k,
                        [&](const std::vector<float>& q) { return *(*index)->SearchHnsw(q, k, ef); });
      row.ef = ef;
      fmt::print("  hnsw ef={:>3}: recall {:.4f} p50 {:.0f} us p95 {:.0f} us\n", ef, row.recall, row.p50,
                 row.p95);
      table += fmt::format("| {} | hnsw | {} | {:.3f} | {:.0f} | {:.0f} |\n", set.name, ef, row.recall,
                           row.p50, row.p95);
      if (!chosen && row.recall >= 0.95) chosen = row;
    }
    {
      Row row = Measure(set, truth, k, [&](const std::vector<float>& q) {
        SearchOptions o;
        o.k = k;
        o.exact = true;
        return (*index)->Search(q, o)->hits;
      });
      table += fmt::format("| {} | exact (brute force) | - | {:.3f} | {:.0f} | {:.0f} |\n", set.name,
                           row.recall, row.p50, row.p95);
    }
    // Filtered: a random 10% and 1% of the rows allowed; truth is exact search over them.
    std::mt19937_64 rng(7);
    for (double fraction : {0.10, 0.01}) {
      RowFilter filter(count, false);
      std::bernoulli_distribution allow(fraction);
      for (size_t i = 0; i < count; ++i) filter[i] = allow(rng);
      auto filtered_truth = ExactTruth(**index, set, k, &filter);
      const int ef = chosen ? chosen->ef : 64;
      Row row = Measure(set, filtered_truth, k, [&](const std::vector<float>& q) {
        SearchOptions o;
        o.k = k;
        o.ef = ef;
        o.filter = &filter;
        return (*index)->Search(q, o)->hits;
      });
      table += fmt::format("| {} | filtered, {:.0f}% allowed | {} | {:.3f} | {:.0f} | {:.0f} |\n", set.name,
                           fraction * 100, ef, row.recall, row.p50, row.p95);
    }
    // Save to a local bucket, then a cold load (index.json + embeddings.parquet + hnsw.bin).
    auto dir = std::filesystem::temp_directory_path() / fmt::format("lakehouse-vector-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    auto bucket = LocalObjectStore::Open("primary", dir.string());
    t = Clock::now();
    Status saved = (*index)->Save(**bucket, {}, "");
    double save_s = Seconds(t);
    double load_s = -1;
    if (saved.ok()) {
      t = Clock::now();
      auto loaded = VectorIndex::Load(**bucket, d.Prefix(), {}, "");
      load_s = loaded.ok() ? Seconds(t) : -1;
    } else {
      fmt::print(stderr, "save failed: {}\n", saved.ToString());
    }
    std::filesystem::remove_all(dir);
    build_table += fmt::format("| {} | {} | {:.1f} | {:.1f} | {:.2f} | {:.0f} |\n", set.name, count, build_s,
                               save_s, load_s, memory_mib);
    fmt::print("  save {:.1f} s, cold load {:.2f} s, memory {:.0f} MiB\n", save_s, load_s, memory_mib);
  }
  fmt::print("\n{}\n{}", build_table, table);
  if (!docs.empty()) {
    std::string command = "build/release/bench/vector_bench";
    for (int i = 1; i < argc; ++i) {
      if (std::string(argv[i]) == "--docs") {
        ++i;
        continue;
      }
      command += std::string(" ") + argv[i];
    }
    WriteDocs(
        docs,
        fmt::format(
            "Command: `{}` (release build), 2 cores shared with other work.\n"
            "HNSW M={}, ef_construction={}; k=10; single-query latency on one thread; build on 2 threads.\n\n"
            "{}\n{}",
            command, m, efc, build_table, table));
  }
  return 0;
}
