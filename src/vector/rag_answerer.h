// RagAnswerer: answers a question from a vector index's documents (retrieval-augmented
// generation) and says which chunks the answer was built from.
//
// Ask = Prepare (retrieve the k best chunks, optionally filtered, and build a short prompt that
// numbers them [1]..[k]) + Generate (the configured generator). Prepare is separate so that a
// caller streaming the answer can report bad requests before it commits to a stream. Every
// chunk placed in the prompt is returned as a citation. The prompt is kept short: small local
// models (SmolLM2-135M) follow short contexts best, and each chunk is cut to fit the context.
//
// Thread-safety: all methods may be called from many threads at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ai/generator.h"
#include "ai/model_registry.h"
#include "common/json.h"
#include "common/status.h"
#include "vector/vector_store.h"

namespace lakehouse::vector {

//! POST /ai/ask.
struct AskRequest {
  std::string question;
  std::string index;
  int k = 3;             //!< chunks retrieved and placed in the prompt (1..8)
  std::string filter;    //!< SQL predicate over the dataset's columns; empty: none
  bool hybrid = false;   //!< retrieve with hybrid (vector + BM25) search
  std::string profile;   //!< generation profile; empty: ai.generate_profile
  int max_tokens = 200;  //!< longest answer
  bool stream = false;   //!< answer as server-sent events (the route's concern)
};

//! Parses {"question", "index", "k"?, "filter"?, "mode"?, "profile"?, "max_tokens"?, "stream"?}.
//! InvalidArgument naming the problem.
Result<AskRequest> AskRequestFromJson(const Json& body);

//! One retrieved chunk the answer may cite as [n].
struct Citation {
  int n = 0;  //!< 1-based marker used in the prompt
  std::string doc_id;
  int chunk_id = 0;
  double score = 0;
  std::string chunk_text;
};

//! A question ready to generate from.
struct PreparedAsk {
  ai::Generator* generator = nullptr;
  ai::GenerateRequest generate;
  std::vector<Citation> citations;
  IndexDescriptor index;
  std::string retrieval_method;
};

struct Answer {
  std::string text;
  std::string finish_reason;
  std::vector<Citation> citations;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

//! {"answer", "finish_reason", "citations": [{"n","doc_id","chunk_id","score","chunk_text"}], "index",
//!  "generation", "embed_model", "model", "retrieval", "usage"}.
Json AnswerToJson(const PreparedAsk& prepared, const Answer& answer);
Json CitationsToJson(const std::vector<Citation>& citations);

class RagAnswerer {
 public:
  //! `store` and `models` must outlive the answerer.
  RagAnswerer(VectorStore& store, ai::ModelRegistry& models) : store_(store), models_(models) {}

  //! Retrieves and builds the prompt. Errors: those of VectorStore::Search and
  //! ModelRegistry::GetGenerator; NotFound if nothing matched (e.g. a filter allowing no document).
  Result<PreparedAsk> Prepare(const AskRequest& request) const;

  //! Generates the answer; `on_token` (optional) gets each piece as it is produced.
  Result<Answer> Generate(const PreparedAsk& prepared, const ai::TokenCallback& on_token = {}) const;

 private:
  VectorStore& store_;
  ai::ModelRegistry& models_;
};

}  // namespace lakehouse::vector
