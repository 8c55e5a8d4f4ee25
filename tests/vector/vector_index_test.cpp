// VectorIndex and TextChunker with real embeddings from all-MiniLM-L6-v2 (the model bootstrap
// placed in the cache), over the generated demo resumes.
#include "vector/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "ai/llama_embedder.h"
#include "common/json.h"
#include "common/sha256.h"
#include "demo/staffing_demo.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/sql_text.h"
#include "storage/local_object_store.h"
#include "vector/text_chunker.h"

namespace lakehouse::vector {
namespace {

std::string ModelPath() { return std::string(LAKEHOUSE_TEST_MODELS_DIR) + "/all-MiniLM-L6-v2.f32.gguf"; }

// A local bucket in a temporary directory, removed with everything in it at the end of scope.
class TempBucket {
 public:
  explicit TempBucket(const std::string& label)
      : dir_(std::filesystem::temp_directory_path() /
             ("lakehouse-vector-" + label + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto opened = LocalObjectStore::Open("primary", dir_.string());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store_ = std::move(opened).value();
  }
  ~TempBucket() { std::filesystem::remove_all(dir_); }
  TempBucket(const TempBucket&) = delete;
  TempBucket& operator=(const TempBucket&) = delete;

  LocalObjectStore& operator*() const { return *store_; }
  LocalObjectStore* operator->() const { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<LocalObjectStore> store_;
};

// Chunks of demo resumes, embedded once for the whole suite (embedding is the slow part).
class VectorIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ai::LlamaOptions options;
    options.model_path = ModelPath();
    options.context = 256;
    auto embedder = ai::LlamaEmbedder::Open({"minilm", "llama", "all-MiniLM-L6-v2", "1", 384, 256}, options);
    ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
    embedder_ = std::move(embedder).value().release();
    demo::DemoOptions demo_options;
    demo_options.candidates = 150;
    demo_options.placements = 100;
    auto files = demo::GenerateStaffingDemo(demo_options);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    chunks_ = new std::vector<ChunkRecord>();
    vectors_ = new std::vector<float>();
    ChunkingOptions chunking{12, 2};  // small chunks: more than kExactBelowChunks of them
    for (const auto& file : *files) {
      if (file.dataset != "resumes") continue;
      size_t begin = 0;
      while (begin < file.content.size()) {
        size_t end = file.content.find('\n', begin);
        auto row = ParseJson(file.content.substr(begin, end - begin));
        begin = end + 1;
        ASSERT_TRUE(row.ok());
        std::string text = (*row)["resume_text"];
        auto pieces = ChunkText(text, chunking);
        for (size_t i = 0; i < pieces.size(); ++i) {
          chunks_->push_back({(*row)["candidate_id"], static_cast<int>(i), pieces[i], Sha256::Of(text)});
        }
      }
    }
    std::vector<std::string> texts;
    for (const auto& c : *chunks_) texts.push_back(c.text);
    for (size_t i = 0; i < texts.size(); i += 64) {
      std::vector<std::string> batch(texts.begin() + static_cast<long>(i),
                                     texts.begin() + static_cast<long>(std::min(i + 64, texts.size())));
      auto embedded = embedder_->Embed(batch);
      ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
      for (const auto& v : embedded->vectors) vectors_->insert(vectors_->end(), v.begin(), v.end());
    }
  }
  static void TearDownTestSuite() {
    delete embedder_;
    delete chunks_;
    delete vectors_;
  }

  static IndexDescriptor Descriptor() {
    IndexDescriptor d;
    d.name = "resumes";
    d.dataset = "resumes";
    d.bucket = "primary";
    d.text_column = "resume_text";
    d.id_column = "candidate_id";
    d.profile = "minilm";
    d.model = "all-MiniLM-L6-v2";
    d.model_version = "1";
    d.dims = 384;
    d.generation = 1;
    d.chunking = {12, 2};
    return d;
  }
  static std::unique_ptr<VectorIndex> BuildIndex(HnswParams params = {}) {
    IndexDescriptor d = Descriptor();
    d.hnsw = params;
    auto index = VectorIndex::Build(d, *chunks_, *vectors_);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? std::move(index).value() : nullptr;
  }
  static std::vector<float> Embed(const std::string& text) {
    auto embedded = embedder_->Embed({text});
    EXPECT_TRUE(embedded.ok());
    return embedded->vectors.front();
  }

  static ai::LlamaEmbedder* embedder_;
  static std::vector<ChunkRecord>* chunks_;
  static std::vector<float>* vectors_;
};
ai::LlamaEmbedder* VectorIndexTest::embedder_ = nullptr;
std::vector<ChunkRecord>* VectorIndexTest::chunks_ = nullptr;
std::vector<float>* VectorIndexTest::vectors_ = nullptr;

TEST(TextChunker, SplitsWordsWithOverlapAndKeepsTheTextBetween) {
  auto chunks = ChunkText("one two  three\nfour five six seven", {3, 1});
  ASSERT_EQ(chunks.size(), 3U);
  EXPECT_EQ(chunks[0], "one two  three");
  EXPECT_EQ(chunks[1], "three\nfour five");
  EXPECT_EQ(chunks[2], "five six seven");
  EXPECT_TRUE(ChunkText(" \n\t ", {3, 1}).empty());
  EXPECT_EQ(ChunkText("solo", {160, 20}), std::vector<std::string>{"solo"});
}

TEST(TextChunker, RejectsImpossibleSettings) {
  EXPECT_FALSE(ValidateChunking({0, 0}).ok());
  EXPECT_FALSE(ValidateChunking({10, 10}).ok());
  EXPECT_FALSE(ChunkingFromJson(Json{{"size", "big"}}).ok());
  EXPECT_FALSE(ChunkingFromJson(Json{{"sise", 10}}).ok());
  auto parsed = ChunkingFromJson(Json{{"size", 50}, {"overlap", 5}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size_words, 50);
}

TEST_F(VectorIndexTest, HnswRecallAgainstExactSearchIsHigh) {
  ASSERT_GT(chunks_->size(), VectorIndex::kExactBelowChunks);
  auto index = BuildIndex({16, 100, 64});
  ASSERT_TRUE(index);
  const int k = 10;
  double recall = 0;
  int queries = 0;
  for (size_t row = 0; row < chunks_->size(); row += 17, ++queries) {
    std::vector<float> q(index->VectorOf(static_cast<uint32_t>(row)),
                         index->VectorOf(static_cast<uint32_t>(row)) + 384);
    SearchOptions exact;
    exact.k = k;
    exact.exact = true;
    auto truth = index->Search(q, exact);
    ASSERT_TRUE(truth.ok());
    EXPECT_EQ(truth->method, SearchMethod::kExact);
    auto approx = index->SearchHnsw(q, k, 64);
    ASSERT_TRUE(approx.ok());
    std::set<uint32_t> want;
    for (const auto& h : truth->hits) want.insert(h.row);
    int got = 0;
    for (const auto& h : *approx) got += want.contains(h.row) ? 1 : 0;
    recall += got / static_cast<double>(k);
  }
  recall /= queries;
  EXPECT_GE(recall, 0.95) << "recall@10 over " << queries << " queries";
  // The default search on an index this size walks the graph.
  auto outcome = index->Search(Embed("registered nurse"), SearchOptions{});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->method, SearchMethod::kHnsw);
  EXPECT_EQ(outcome->hits.size(), 10U);
}

TEST_F(VectorIndexTest, VerySelectiveFilterReturnsExactlyTheBestAllowedChunks) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  // Allow two documents out of 150.
  RowFilter filter(index->size(), false);
  std::set<std::string> allowed_docs = {chunks_->at(0).doc_id, chunks_->back().doc_id};
  for (const auto& doc : allowed_docs) {
    for (auto row : index->RowsOf(doc)) filter[row] = true;
  }
  auto query = Embed("software engineer who builds web services");
  SearchOptions options;
  options.k = 5;
  options.filter = &filter;
  auto filtered = index->Search(query, options);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->hits.size(), 5U);
  for (const auto& h : filtered->hits) EXPECT_TRUE(allowed_docs.contains(index->chunk(h.row).doc_id));
  // The same as brute force over the allowed rows.
  std::vector<ChunkHit> brute;
  for (uint32_t row = 0; row < index->size(); ++row) {
    if (!filter[row]) continue;
    float dot = 0;
    for (int i = 0; i < 384; ++i) dot += query[static_cast<size_t>(i)] * index->VectorOf(row)[i];
    brute.push_back({row, dot});
  }
  std::sort(brute.begin(), brute.end(), [](auto& a, auto& b) { return a.score > b.score; });
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(filtered->hits[i].row, brute[i].row);
    EXPECT_NEAR(filtered->hits[i].score, brute[i].score, 1e-4);
  }
  // A filter that allows nothing finds nothing.
  RowFilter none(index->size(), false);
  options.filter = &none;
  auto empty = index->Search(query, options);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->hits.empty());
}

TEST_F(VectorIndexTest, DocumentSearchReturnsOneHitPerDocument) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  SearchOptions options;
  options.k = 20;
  auto outcome = index->SearchDocuments(Embed("truck driver with a commercial license"), options);
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->hits.size(), 20U);
  std::set<std::string> docs;
  for (const auto& h : outcome->hits) docs.insert(index->chunk(h.row).doc_id);
  EXPECT_EQ(docs.size(), 20U);
  EXPECT_TRUE(std::is_sorted(outcome->hits.begin(), outcome->hits.end(),
                             [](auto& a, auto& b) { return a.score > b.score; }));
}

TEST_F(VectorIndexTest, SavedGenerationLoadsBackWithTheSameAnswers) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  TempBucket bucket("save");
  ASSERT_TRUE(index->Save(*bucket, {}, "").ok());
  // The descriptor is written last and only once: saving the same generation again fails.
  EXPECT_FALSE(index->Save(*bucket, {}, "").ok());
  auto loaded = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->size(), index->size());
  EXPECT_EQ((*loaded)->descriptor().model, "all-MiniLM-L6-v2");
  EXPECT_EQ((*loaded)->descriptor().dims, 384);
  auto query = Embed("accountant preparing tax returns");
  auto before = index->Search(query, {});
  auto after = (*loaded)->Search(query, {});
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(before->hits.size(), after->hits.size());
  for (size_t i = 0; i < before->hits.size(); ++i) {
    EXPECT_EQ(before->hits[i].row, after->hits[i].row);
    EXPECT_EQ((*loaded)->chunk(after->hits[i].row).text, index->chunk(before->hits[i].row).text);
  }
  // A generation without its descriptor is not an index.
  EXPECT_EQ(VectorIndex::Load(*bucket, "vectors/resumes/g9/", {}, "").status().code(), StatusCode::kNotFound);
}

// A damaged hnsw.bin (cut short, padded, garbage, a link past the last element) is refused with
// an error naming it, never read past its end or followed into memory it does not hold.
TEST_F(VectorIndexTest, DamagedGraphFileIsRefusedByName) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  TempBucket bucket("damage");
  ASSERT_TRUE(index->Save(*bucket, {}, "").ok());
  const std::string key = index->descriptor().Prefix() + "hnsw.bin";
  auto good = bucket->Get(key);
  ASSERT_TRUE(good.ok());
  ASSERT_GT(good->size(), 4096U);
  std::string bad_link = *good;
  const std::uint32_t past_the_end = 0xFFFFFF00U;
  std::memcpy(bad_link.data() + 96 + 4, &past_the_end, sizeof past_the_end);  // element 0's first link
  std::string garbage(good->size(), '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 2654435761U) >> 13);
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"empty", ""},
      {"header only", good->substr(0, 50)},
      {"cut in level 0", good->substr(0, good->size() / 2)},
      {"last byte missing", good->substr(0, good->size() - 1)},
      {"trailing bytes", *good + "extra"},
      {"garbage", garbage},
      {"a link past the end", bad_link},
  };
  for (const auto& [what, bytes] : damages) {
    ASSERT_TRUE(bucket->Put(key, bytes).ok());
    auto loaded = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
    ASSERT_FALSE(loaded.ok()) << what;
    EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument)
        << what << ": " << loaded.status().ToString();
    EXPECT_NE(loaded.status().message().find("hnsw.bin"), std::string::npos)
        << what << ": " << loaded.status().ToString();
  }
  // Put back whole, it loads again.
  ASSERT_TRUE(bucket->Put(key, *good).ok());
  EXPECT_TRUE(VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "").ok());
}

// embeddings.parquet holds every chunk in index order with its vector exactly (readable by any
// engine), also past DuckDB's 2,048-row vectors: the real chunks, repeated under other doc ids.
TEST_F(VectorIndexTest, EmbeddingsParquetHoldsEveryChunkAndVectorInOrder) {
  std::vector<ChunkRecord> chunks;
  std::vector<float> vectors;
  for (int copy = 0; chunks.size() <= 4096; ++copy) {
    for (auto c : *chunks_) {
      c.doc_id += "-" + std::to_string(copy);
      chunks.push_back(std::move(c));
    }
    vectors.insert(vectors.end(), vectors_->begin(), vectors_->end());
  }
  auto built = VectorIndex::Build(Descriptor(), chunks, vectors);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const auto& index = *built;
  ASSERT_GT(index->size(), 4096U);
  TempBucket bucket("parquet");
  ASSERT_TRUE(index->Save(*bucket, {}, "").ok());
  auto database = engine::Database::Open({});
  ASSERT_TRUE(database.ok());
  auto connection = engine::Connection::Open(**database);
  ASSERT_TRUE(connection.ok());
  const std::string parquet = bucket->root() + "/" + index->descriptor().Prefix() + "embeddings.parquet";
  auto result = connection->Query(
      "SELECT doc_id, chunk_id, chunk_text, content_hash, vector::VARCHAR, "
      "len(vector) FROM read_parquet(" +
      engine::QuoteSqlString(parquet) + ")");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::uint32_t row = 0;
  while (true) {
    auto chunk = result->Next();
    ASSERT_TRUE(chunk.ok());
    if (!*chunk) break;
    for (size_t r = 0; r < (*chunk)->size(); ++r, ++row) {
      ASSERT_LT(row, index->size());
      const ChunkRecord& c = index->chunk(row);
      EXPECT_EQ((*chunk)->GetValue(0, r).AsString().value_or(""), c.doc_id);
      EXPECT_EQ((*chunk)->GetValue(1, r).AsInt64().value_or(-1), c.chunk_id);
      EXPECT_EQ((*chunk)->GetValue(2, r).AsString().value_or(""), c.text);
      EXPECT_EQ((*chunk)->GetValue(3, r).AsString().value_or(""), c.content_hash);
      EXPECT_EQ((*chunk)->GetValue(5, r).AsInt64().value_or(-1), 384) << "every vector has the model's dims";
      if (row % 97 != 0 && row + 1 != index->size()) continue;  // parsing every vector is slow
      std::string text(((*chunk)->GetValue(4, r).AsString().value_or("")));
      std::vector<float> parsed;
      for (size_t at = 1; at < text.size();) {
        size_t end = text.find_first_of(",]", at);
        parsed.push_back(std::stof(text.substr(at, end - at)));
        at = end + 2;
      }
      ASSERT_EQ(parsed.size(), 384U);
      for (size_t i = 0; i < parsed.size(); ++i) EXPECT_NEAR(parsed[i], index->VectorOf(row)[i], 1e-6F);
    }
  }
  EXPECT_EQ(row, index->size());
}

// Appending: new rows are searchable at once next to the graph, a document appended again or
// removed leaves the results, and the fragment is durable (a load gives the same index).
TEST_F(VectorIndexTest, AppendedRowsAreSearchableAtOnceAndSurviveALoad) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  ASSERT_GT(index->size(), VectorIndex::kExactBelowChunks);  // searches walk the graph
  TempBucket bucket("append");
  ASSERT_TRUE(index->Save(*bucket, {}, "").ok());
  const std::string removed_doc = chunks_->front().doc_id;
  const std::string changed_doc = chunks_->back().doc_id;
  ASSERT_NE(removed_doc, changed_doc);
  const auto changed_rows = index->RowsOf(changed_doc);
  ASSERT_FALSE(changed_rows.empty());
  const std::vector<std::string> texts = {"Underwater welder certified for offshore oil platform repairs",
                                          "Pastry chef running a bakery's laminated dough production"};
  std::vector<ChunkRecord> added = {{"new-welder", 0, texts[0], Sha256::Of(texts[0])},
                                    {changed_doc, 0, texts[1], Sha256::Of(texts[1])}};
  std::vector<float> added_vectors = Embed(texts[0]);
  const auto pastry = Embed(texts[1]);
  added_vectors.insert(added_vectors.end(), pastry.begin(), pastry.end());
  auto appended = index->Append(*bucket, added, added_vectors, {removed_doc}, 7, {}, "");
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  const VectorIndex& now = **appended;
  EXPECT_EQ(now.size(), index->size() + 2);
  EXPECT_EQ(now.graph_size(), index->size());
  EXPECT_EQ(now.descriptor().dataset_version, 7);
  EXPECT_EQ(now.descriptor().fragments, 1);
  EXPECT_EQ(now.descriptor().doc_count, index->descriptor().doc_count);  // +1 new, -1 removed
  EXPECT_EQ(now.descriptor().chunk_count, index->descriptor().chunk_count + 2 -
                                              static_cast<std::int64_t>(index->RowsOf(removed_doc).size()) -
                                              static_cast<std::int64_t>(changed_rows.size()));
  EXPECT_TRUE(now.RowsOf(removed_doc).empty());
  ASSERT_EQ(now.RowsOf(changed_doc).size(), 1U);
  EXPECT_EQ(now.chunk(now.RowsOf(changed_doc).front()).text, texts[1]);
  // The index it was appended to is unchanged.
  EXPECT_EQ(index->RowsOf(changed_doc), changed_rows);
  EXPECT_FALSE(index->RowsOf(removed_doc).empty());

  auto check = [&](const VectorIndex& searched, const std::string& label) {
    SCOPED_TRACE(label);
    for (bool exact : {false, true}) {
      SearchOptions options;
      options.k = 3;
      options.exact = exact;
      auto welder = searched.SearchDocuments(Embed("offshore underwater welding"), options);
      ASSERT_TRUE(welder.ok());
      ASSERT_FALSE(welder->hits.empty());
      EXPECT_EQ(searched.chunk(welder->hits.front().row).doc_id, "new-welder");
      EXPECT_EQ(welder->method, exact ? SearchMethod::kExact : SearchMethod::kHnsw);
      // Searching with a removed or replaced chunk's own vector finds neither that row nor the doc.
      for (std::uint32_t gone : {index->RowsOf(removed_doc).front(), changed_rows.front()}) {
        const float* v = index->VectorOf(gone);
        options.k = 20;
        auto found = searched.Search(std::vector<float>(v, v + 384), options);
        ASSERT_TRUE(found.ok());
        for (const auto& hit : found->hits) {
          EXPECT_NE(hit.row, gone);
          EXPECT_NE(searched.chunk(hit.row).doc_id, removed_doc);
          if (searched.chunk(hit.row).doc_id == changed_doc) {
            EXPECT_GE(hit.row, searched.graph_size());
          }
        }
      }
    }
  };
  check(now, "appended");
  auto loaded = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->size(), now.size());
  EXPECT_EQ((*loaded)->descriptor().doc_count, now.descriptor().doc_count);
  EXPECT_EQ((*loaded)->descriptor().dataset_version, 7);
  for (std::uint32_t row = static_cast<std::uint32_t>(now.graph_size()); row < now.size(); ++row) {
    EXPECT_EQ((*loaded)->chunk(row).text, now.chunk(row).text);
    EXPECT_EQ(std::memcmp((*loaded)->VectorOf(row), now.VectorOf(row), 384 * sizeof(float)), 0);
  }
  check(**loaded, "loaded");

  // A writer still holding the old index cannot append fragment 1 again.
  auto stale = index->Append(*bucket, added, added_vectors, {}, 8, {}, "");
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition) << stale.status().ToString();
  // A fragment that only removes documents; then a damaged commit is refused by name.
  auto second = now.Append(*bucket, {}, {}, {"new-welder"}, 9, {}, "");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE((*second)->RowsOf("new-welder").empty());
  auto reloaded = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_TRUE((*reloaded)->RowsOf("new-welder").empty());
  EXPECT_EQ((*reloaded)->descriptor().fragments, 2);
  // A vectors object cut short is refused by name. (The refused append above left files without a
  // commit; they are ignored.)
  const std::string fragments = index->descriptor().Prefix() + "fragments/";
  auto first_commit = bucket->Get(fragments + "00000001.json");
  ASSERT_TRUE(first_commit.ok());
  auto first = ParseJson(*first_commit);
  ASSERT_TRUE(first.ok());
  const std::string f32_key = fragments + (*first)["vectors"].get<std::string>();
  ASSERT_FALSE(f32_key.empty());
  auto f32 = bucket->Get(f32_key);
  ASSERT_TRUE(f32.ok());
  EXPECT_EQ(f32->size(), 2 * 384 * sizeof(float)) << "two vectors as raw little-endian floats";
  ASSERT_TRUE(bucket->Put(f32_key, f32->substr(0, f32->size() - 4)).ok());
  auto cut = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cut.status().message().find(".f32"), std::string::npos) << cut.status().ToString();
  ASSERT_TRUE(bucket->Put(f32_key, *f32).ok());
  const std::string commit = fragments + "00000002.json";
  ASSERT_TRUE(bucket->Put(commit, "{not json").ok());
  auto damaged = VectorIndex::Load(*bucket, index->descriptor().Prefix(), {}, "");
  EXPECT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("00000002.json"), std::string::npos)
      << damaged.status().ToString();
  // Sizes that disagree are refused before anything is written.
  EXPECT_EQ(now.Append(*bucket, added, std::vector<float>(10), {}, 9, {}, "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(VectorIndexTest, RejectsQueriesOfTheWrongShape) {
  auto index = BuildIndex();
  ASSERT_TRUE(index);
  EXPECT_EQ(index->Search(std::vector<float>(3, 0.1F), {}).status().code(), StatusCode::kInvalidArgument);
  SearchOptions zero;
  zero.k = 0;
  EXPECT_EQ(index->Search(Embed("x"), zero).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(VectorIndex::Build(Descriptor(), *chunks_, std::vector<float>(10, 0.0F)).ok());
}

}  // namespace
}  // namespace lakehouse::vector
