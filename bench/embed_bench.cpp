// Embedding throughput of the embedded backend (LlamaEmbedder, all-MiniLM-L6-v2 GGUF): sentences
// per second for batches of 1, 32 and 256, and the process's peak RSS. bench/embed_bench.sh runs
// it next to sentence-transformers on the same sentences and writes docs/benchmarks.md.
//
//   embed_bench --model PATH --sentences FILE [--batches 1,32,256] [--min-seconds 5]
//               [--threads N] [--batch-tokens N]
//
// Prints one JSON object per batch size: {"impl","batch","sentences","seconds","per_second"},
// then {"impl","peak_rss_mb"}.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ai/llama_embedder.h"

namespace {

using lakehouse::ai::LlamaEmbedder;

int Usage(const char* why) {
  std::fprintf(stderr,
               "embed_bench: %s\nusage: embed_bench --model PATH --sentences FILE [--batches 1,32,256] "
               "[--min-seconds 5] [--threads N] [--batch-tokens N]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model;
  std::string sentences_path;
  std::vector<int> batches = {1, 32, 256};
  double min_seconds = 5;
  int threads = 0;
  int batch_tokens = 2048;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--model") {
      model = value;
    } else if (flag == "--sentences") {
      sentences_path = value;
    } else if (flag == "--batches") {
      batches.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) batches.push_back(std::atoi(item.c_str()));
    } else if (flag == "--min-seconds") {
      min_seconds = std::atof(value.c_str());
    } else if (flag == "--threads") {
      threads = std::atoi(value.c_str());
    } else if (flag == "--batch-tokens") {
      batch_tokens = std::atoi(value.c_str());
    } else {
      return Usage(("unknown flag " + flag).c_str());
    }
  }
  if (model.empty() || sentences_path.empty()) return Usage("--model and --sentences are required");
  std::ifstream in(sentences_path);
  std::vector<std::string> sentences;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) sentences.push_back(line);
  }
  if (sentences.empty()) return Usage("no sentences");

  lakehouse::ai::LlamaOptions options;
  options.model_path = model;
  options.context = 256;
  options.batch_tokens = batch_tokens;
  options.threads = threads;
  options.max_parallel = 1;
  auto embedder = LlamaEmbedder::Open({"bench", "llama", "all-MiniLM-L6-v2", "1", 384, 256}, options);
  if (!embedder.ok()) {
    std::fprintf(stderr, "embed_bench: %s\n", embedder.status().ToString().c_str());
    return 1;
  }
  // Warm-up: the first pass allocates the compute buffers.
  if (auto warm = (*embedder)->Embed({sentences.begin(), sentences.begin() + 8}); !warm.ok()) {
    std::fprintf(stderr, "embed_bench: %s\n", warm.status().ToString().c_str());
    return 1;
  }
  for (int batch : batches) {
    size_t next = 0;
    size_t done = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    // At least one whole pass over the sentences, so every batch size embeds the same mix.
    while (elapsed < min_seconds || done < sentences.size()) {
      std::vector<std::string> chunk;
      for (int k = 0; k < batch; ++k) {
        chunk.push_back(sentences[next]);
        next = (next + 1) % sentences.size();
      }
      auto result = (*embedder)->Embed(chunk);
      if (!result.ok()) {
        std::fprintf(stderr, "embed_bench: %s\n", result.status().ToString().c_str());
        return 1;
      }
      done += chunk.size();
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::printf(
        "%s\n",
        fmt::format(
            R"({{"impl":"lakehouse","batch":{},"sentences":{},"seconds":{:.3f},"per_second":{:.1f}}})", batch,
            done, elapsed, static_cast<double>(done) / elapsed)
            .c_str());
    std::fflush(stdout);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"impl\":\"lakehouse\",\"peak_rss_mb\":%.1f}\n",
              static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}
