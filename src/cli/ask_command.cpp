#include "cli/ask_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/local_lakehouse.h"
#include "query/query_service.h"
#include "server/catalog_tables.h"
#include "vector/rag_answerer.h"
#include "vector/vector_store.h"

namespace lakehouse::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;
constexpr int kExitUnavailable = 3;

int Fail(const Status& status) {
  std::fprintf(stderr, "lakehouse: error: %s\n", status.message().c_str());
  return status.code() == StatusCode::kUnavailable ? kExitUnavailable : kExitFailure;
}

// One line per source: its marker, document, chunk and score, and the start of its text.
std::string SourceLine(const vector::Citation& c) {
  std::string text = c.chunk_text;
  for (char& ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  constexpr std::size_t kShown = 100;
  if (text.size() > kShown) {
    std::size_t cut = kShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
    text = text.substr(0, cut) + "...";
  }
  return fmt::format("  [{}] {} (chunk {}, score {:.3f}): {}", c.n, c.doc_id, c.chunk_id, c.score, text);
}

}  // namespace

AskCommand::AskCommand(CLI::App& app, const std::function<void(CLI::App&)>& add_config_flags) {
  ask_ = app.add_subcommand(
      "ask",
      "Answer a question from a vector index's documents, citing them (POST /ai/ask, no server needed)");
  ask_->add_option("question", question_, "what to ask, e.g. \"Who has restaurant experience?\"")->required();
  ask_->add_option("--index", index_, "the vector index to retrieve from, e.g. resumes")->required();
  ask_->add_option("--k", k_, "chunks retrieved and cited (1..8, default 3)");
  ask_->add_option("--filter", filter_, "SQL predicate over the dataset's columns, e.g. \"state = 'TX'\"");
  ask_->add_flag("--hybrid", hybrid_, "retrieve with hybrid search (vectors fused with BM25 keywords)");
  ask_->add_option("--profile", profile_,
                   "the [ai.profiles] entry that generates (default: ai.generate_profile)");
  ask_->add_option("--max-tokens", max_tokens_, "longest answer in tokens (default 200)");
  ask_->add_flag("--json", json_, "print the POST /ai/ask answer as JSON instead of text and sources");
  add_config_flags(*ask_);
}

std::optional<int> AskCommand::Run(const std::function<Result<Config>()>& load_config) {
  if (!ask_->parsed()) return std::nullopt;
  auto config = load_config();
  if (!config.ok()) {
    std::fprintf(stderr, "lakehouse: error: %s\n", config.status().message().c_str());
    return kExitBadConfig;
  }
  // The request is checked as the HTTP route checks it: one set of rules.
  Json body = {{"question", question_}, {"index", index_}, {"k", k_}, {"max_tokens", max_tokens_}};
  if (!filter_.empty()) body["filter"] = filter_;
  if (hybrid_) body["mode"] = "hybrid";
  if (!profile_.empty()) body["profile"] = profile_;
  auto request = vector::AskRequestFromJson(body);
  if (!request.ok()) return Fail(request.status());

  auto lakehouse = OpenLocalLakehouse(*config, false);
  if (!lakehouse.ok()) return Fail(lakehouse.status());
  query::QueryOptions query_options;
  query_options.sandbox = {config->query.memory_limit,
                           static_cast<std::uint32_t>(config->query.threads),
                           config->engine.extension_dir,
                           config->engine.temp_dir,
                           {}};
  query_options.timeout_ms = std::min(config->query.timeout_ms, config->query.max_timeout_ms);
  query_options.max_timeout_ms = config->query.max_timeout_ms;
  query_options.max_result_rows = static_cast<std::uint64_t>(config->query.max_result_rows);
  query_options.sandbox.s3_buckets = server::S3Buckets(*lakehouse->buckets);
  query::QueryService query(query_options, server::CatalogTables(*lakehouse->catalog));
  ai::ModelRegistry models(config->ai);
  vector::VectorStoreOptions vector_options;
  vector_options.engine.memory_limit = config->engine.memory_limit;
  vector_options.engine.threads = static_cast<std::uint32_t>(config->engine.threads);
  vector_options.engine.extension_dir = config->engine.extension_dir;
  vector_options.engine.temp_dir = config->engine.temp_dir;
  vector_options.scratch_dir = config->engine.temp_dir;
  vector_options.refresh_in_background = false;  // a one-shot command reads; the server rebuilds
  auto store =
      vector::VectorStore::Open(*lakehouse->catalog, *lakehouse->buckets, query, models, vector_options);
  if (!store.ok()) return Fail(store.status().WithContext("cannot open the vector indexes"));
  vector::RagAnswerer answerer(**store, models);

  auto prepared = answerer.Prepare(*request);
  if (!prepared.ok()) return Fail(prepared.status());
  ai::TokenCallback print;
  if (!json_) {
    print = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  auto answer = answerer.Generate(*prepared, print);
  if (!answer.ok()) {
    if (!json_) std::fputc('\n', stdout);
    return Fail(answer.status());
  }
  if (json_) {
    std::puts(ToJsonText(vector::AnswerToJson(*prepared, *answer)).c_str());
    return 0;
  }
  std::string sources = fmt::format("\n\nSources ({} {}, generation {}):\n", prepared->index.name,
                                    prepared->retrieval_method, prepared->index.generation);
  for (const auto& c : answer->citations) sources += SourceLine(c) + "\n";
  std::fputs(sources.c_str(), stdout);
  return 0;
}

}  // namespace lakehouse::cli
