// Ingest of real files into a real local bucket, read back with DuckDB: type inference that
// defaults to string, metadata rules, versioning by content, and bad input that leaves nothing.
#include "ingest/ingester.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "catalog/file_transfer.h"
#include "catalog/scratch_directory.h"
#include "common/sha256.h"
#include "engine/connection.h"
#include "engine/sql_text.h"

namespace lakehouse::ingest {
namespace {

using engine::QuoteSqlString;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = catalog::ScratchDirectory::Create("", "ingest-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
    StorageOptions storage;
    storage.data_dir = dir_->File("data");
    auto buckets = BucketRegistry::Open(storage);
    ASSERT_TRUE(buckets.ok()) << buckets.status().ToString();
    buckets_ = std::move(buckets).value();
    auto catalog = catalog::Catalog::Open(*buckets_, {});
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(catalog).value();
    options_.max_line_bytes = 1 << 20;
    auto ingester = Ingester::Create(*catalog_, *buckets_, options_);
    ASSERT_TRUE(ingester.ok()) << ingester.status().ToString();
    ingester_ = std::move(ingester).value();
  }

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    std::string path = dir_->File(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Result<IngestResult> IngestBytes(const std::string& name, const std::string& file, const std::string& bytes,
                                   const std::string& format = "") {
    IngestRequest request;
    request.name = name;
    request.path = WriteFile(file, bytes);
    request.format = format;
    request.owner = "talent-ops";
    request.source_system = "bullhorn";
    return ingester_->Ingest(request);
  }

  const ColumnReport& Column(const IngestResult& result, const std::string& name) {
    for (const auto& c : result.columns) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << "no column " << name;
    static ColumnReport none;
    return none;
  }

  // The rows of version `version` (0: latest) of `name` as text, read from its Parquet files.
  std::vector<std::vector<std::string>> Rows(const std::string& name, const std::string& order_by,
                                             std::int64_t version = 0) {
    auto readable = catalog_->Readable(name, version);
    EXPECT_TRUE(readable.ok()) << readable.status().ToString();
    if (!readable.ok()) return {};
    auto db = engine::Database::Open({});
    auto conn = engine::Connection::Open(**db);
    std::string files;
    for (const auto& uri : readable->data_uris) files += (files.empty() ? "" : ", ") + QuoteSqlString(uri);
    auto result = conn->Query("SELECT * FROM read_parquet([" + files + "]) ORDER BY " + order_by);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::vector<std::string>> rows;
    while (true) {
      auto chunk = result->Next();
      if (!chunk.ok() || !chunk->has_value()) break;
      for (std::size_t r = 0; r < (*chunk)->size(); ++r) {
        std::vector<std::string> row;
        for (std::size_t c = 0; c < (*chunk)->column_count(); ++c)
          row.push_back((*chunk)->GetValue(c, r).ToString());
        rows.push_back(std::move(row));
      }
    }
    return rows;
  }

  void ExpectNothingIngested(const std::string& name) {
    EXPECT_EQ(catalog_->Get(name).status().code(), StatusCode::kNotFound);
    auto listed = buckets_->primary().List("datasets/");
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty()) << listed->front().key;
  }

  std::unique_ptr<catalog::ScratchDirectory> dir_;
  IngestOptions options_;
  std::unique_ptr<BucketRegistry> buckets_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<Ingester> ingester_;
};

TEST_F(IngestTest, KeepsZipCodesWithLeadingZerosAsStrings) {
  auto result =
      IngestBytes("offices", "offices.csv", "city,zip\nBoston,02134\nNew York,10001\nSomerville,02143\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Column(*result, "zip").type, "VARCHAR");
  EXPECT_NE(Column(*result, "zip").string_reason.find("leading zeros"), std::string::npos);
  EXPECT_EQ(Rows("offices", "city"),
            (std::vector<std::vector<std::string>>{
                {"Boston", "02134"}, {"New York", "10001"}, {"Somerville", "02143"}}));
}

TEST_F(IngestTest, OneLeadingZeroValueFarIntoALargeFileKeepsTheColumnAString) {
  // Several MiB of plain integers, then one code with a leading zero and one day that does not
  // exist: every value counts, not a sample from the top of the file.
  std::string csv = "id,code,day\n";
  std::int64_t row = 0;
  while (csv.size() < (6u << 20)) {
    csv += std::to_string(row) + "," + std::to_string(100000 + row) + ",2024-01-" +
           std::to_string(10 + row % 19) + "\n";
    ++row;
  }
  csv += std::to_string(row) + ",0042,2023-02-29\n";
  auto result = IngestBytes("codes", "codes.csv", csv);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->manifest.row_count, row + 1);
  EXPECT_EQ(Column(*result, "id").type, "BIGINT");
  EXPECT_EQ(Column(*result, "code").type, "VARCHAR");
  EXPECT_NE(Column(*result, "code").string_reason.find("\"0042\""), std::string::npos)
      << Column(*result, "code").string_reason;
  EXPECT_EQ(Column(*result, "day").type, "VARCHAR");
  auto rows = Rows("codes", "id DESC LIMIT 2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{std::to_string(row), "0042", "2023-02-29"}));
  EXPECT_EQ(rows[1][1], std::to_string(100000 + row - 1));
}

// Files of several MiB: the Parquet file is written with the types the first MiBs suggest while
// the whole file is scanned; what the scan finds late decides, and nothing is left in scratch.
class LargeIngestTest : public IngestTest {
 protected:
  void SetUp() override {
    IngestTest::SetUp();
    options_.scratch_dir = dir_->File("scratch");
    std::filesystem::create_directories(options_.scratch_dir);
    auto ingester = Ingester::Create(*catalog_, *buckets_, options_);
    ASSERT_TRUE(ingester.ok()) << ingester.status().ToString();
    ingester_ = std::move(ingester).value();
  }

  // `rows` lines of "id,amount,day,note" with plain values, then `tail`.
  static std::string Csv(std::int64_t rows, const std::string& tail) {
    std::string csv = "id,amount,day,note\n";
    for (std::int64_t row = 0; row < rows; ++row) {
      csv += std::to_string(row) + "," + std::to_string(row % 1000) + "." + std::to_string(10 + row % 90) +
             ",2024-03-" + std::to_string(10 + row % 19) + ",plain note " + std::to_string(row) + "\n";
    }
    return csv + tail;
  }

  // Parquet files left in the ingester's scratch directory.
  std::vector<std::string> LeftInScratch() {
    std::vector<std::string> left;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(options_.scratch_dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".parquet") left.push_back(entry.path());
    }
    return left;
  }
};

TEST_F(LargeIngestTest, LateValuesDecideTheTypesAndTheTextStaysExact) {
  const std::int64_t rows = 200000;  // about 8 MiB, twice what the first guess reads
  auto result = IngestBytes("late", "late.csv", Csv(rows, "200000,N/A,2024-02-30,\"quoted, at last\"\n"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->manifest.row_count, rows + 1);
  EXPECT_EQ(Column(*result, "id").type, "BIGINT");
  EXPECT_EQ(Column(*result, "amount").type, "VARCHAR");
  EXPECT_EQ(Column(*result, "day").type, "VARCHAR");
  auto last = Rows("late", "id DESC LIMIT 2");
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0], (std::vector<std::string>{"200000", "N/A", "2024-02-30", "quoted, at last"}));
  EXPECT_EQ(last[1], (std::vector<std::string>{"199999", "999.29", "2024-03-15", "plain note 199999"}));
  EXPECT_TRUE(LeftInScratch().empty()) << LeftInScratch().front();
}

TEST_F(LargeIngestTest, TheGuessedTypesAreKeptWhenTheWholeFileAgrees) {
  auto result = IngestBytes("plain", "plain.csv", Csv(200000, ""));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Column(*result, "id").type, "BIGINT");
  EXPECT_EQ(Column(*result, "amount").type, "DOUBLE");
  EXPECT_EQ(Column(*result, "day").type, "DATE");
  EXPECT_EQ(Column(*result, "note").type, "VARCHAR");
  auto first = Rows("plain", "id LIMIT 1");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], (std::vector<std::string>{"0", "0.1", "2024-03-10", "plain note 0"}));
  // The same bytes again: a no-op that leaves nothing behind either.
  auto again = IngestBytes("plain", "again.csv", Csv(200000, ""));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(catalog_->Versions("plain")->size(), 1u);
  EXPECT_TRUE(LeftInScratch().empty()) << LeftInScratch().front();
}

TEST_F(LargeIngestTest, AFailureAfterTheParquetFileIsWrittenLeavesNothingBehind) {
  // The file is written while the scan runs; a bucket that does not exist fails the ingest only
  // afterwards, and neither the catalog nor the scratch directory keeps anything of it.
  IngestRequest request;
  request.name = "nowhere";
  request.path = WriteFile("nowhere.csv", Csv(50000, ""));
  request.owner = "talent-ops";
  request.source_system = "bullhorn";
  request.bucket = "no-such-bucket";
  auto result = ingester_->Ingest(request);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no-such-bucket"), std::string::npos)
      << result.status().ToString();
  ExpectNothingIngested("nowhere");
  EXPECT_TRUE(LeftInScratch().empty()) << LeftInScratch().front();
}

TEST_F(LargeIngestTest, BadBytesFarIntoTheFileAreNamedByLineAndColumn) {
  const std::int64_t rows = 150000;
  auto utf8 = IngestBytes("bad", "bad.csv", Csv(rows, "150000,1.5,2024-03-10,caf\xC3(\n"));
  ASSERT_EQ(utf8.status().code(), StatusCode::kInvalidArgument) << utf8.status().ToString();
  EXPECT_NE(utf8.status().message().find("invalid UTF-8 at line " + std::to_string(rows + 2) + ", column 26"),
            std::string::npos)
      << utf8.status().message();
  auto nul = IngestBytes("bad", "nul.csv", Csv(rows, std::string("150000,1.5,2024-03-10,a\0b\n", 26)));
  ASSERT_EQ(nul.status().code(), StatusCode::kInvalidArgument) << nul.status().ToString();
  EXPECT_NE(nul.status().message().find("line " + std::to_string(rows + 2) + ", column 24 holds a NUL byte"),
            std::string::npos)
      << nul.status().message();
  auto long_line = IngestBytes("bad", "long.csv",
                               Csv(rows, "150000,1.5,2024-03-10," + std::string((1 << 20) + 1, 'x') + "\n"));
  ASSERT_EQ(long_line.status().code(), StatusCode::kInvalidArgument) << long_line.status().ToString();
  EXPECT_NE(long_line.status().message().find("line " + std::to_string(rows + 2) + " is longer than"),
            std::string::npos)
      << long_line.status().message();
  ExpectNothingIngested("bad");
  EXPECT_TRUE(LeftInScratch().empty()) << LeftInScratch().front();
}

TEST_F(IngestTest, ZipColumnStaysAStringEvenWithoutLeadingZeros) {
  auto result = IngestBytes("offices", "offices.csv", "city,zip_code\nNew York,10001\nSF,94110\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Column(*result, "zip_code").type, "VARCHAR") << "the type must not flip between exports";
}

TEST_F(IngestTest, MixedNumbersAndNAIsAString) {
  auto result = IngestBytes("scores", "scores.csv", "id,score\n1,123\n2,N/A\n3,\n4,77\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& score = Column(*result, "score");
  EXPECT_EQ(score.type, "VARCHAR");
  EXPECT_NE(score.string_reason.find("N/A"), std::string::npos) << score.string_reason;
  EXPECT_EQ(Column(*result, "id").type, "BIGINT");
  EXPECT_EQ(Rows("scores", "id"),
            (std::vector<std::vector<std::string>>{{"1", "123"}, {"2", "N/A"}, {"3", "NULL"}, {"4", "77"}}));
}

TEST_F(IngestTest, KeepsPhoneNumbersExactlyAsWritten) {
  auto result = IngestBytes("contacts", "contacts.csv",
                            "id,contact\n1,+1 555-0100\n2,(555) 010-0000\n3,555-123-4567\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Column(*result, "contact").type, "VARCHAR");
  EXPECT_NE(Column(*result, "contact").string_reason.find("phone"), std::string::npos);
  EXPECT_EQ(Column(*result, "contact").pii, "phone");
  EXPECT_EQ(Rows("contacts", "id"),
            (std::vector<std::vector<std::string>>{
                {"1", "+1 555-0100"}, {"2", "(555) 010-0000"}, {"3", "555-123-4567"}}));
}

TEST_F(IngestTest, InfersUnambiguousNumbersDatesTimestampsAndBooleans) {
  auto result = IngestBytes("t", "t.csv",
                            "n,x,d,ts,b,big\n"
                            "1,1.5,2024-01-31,2024-01-31 10:00:00,true,12345678901234567\n"
                            "-2,2e3,2024-02-29,2024-02-29T11:30:00,FALSE,99999999999999999\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Column(*result, "n").type, "BIGINT");
  EXPECT_EQ(Column(*result, "x").type, "DOUBLE");
  EXPECT_EQ(Column(*result, "d").type, "DATE");
  EXPECT_EQ(Column(*result, "ts").type, "TIMESTAMP");
  EXPECT_EQ(Column(*result, "b").type, "BOOLEAN");
  EXPECT_EQ(Column(*result, "big").type, "VARCHAR") << "17-digit ids would lose digits as DOUBLE";
  EXPECT_EQ(Rows("t", "n"),
            (std::vector<std::vector<std::string>>{
                {"-2", "2000.0", "2024-02-29", "2024-02-29 11:30:00", "false", "99999999999999999"},
                {"1", "1.5", "2024-01-31", "2024-01-31 10:00:00", "true", "12345678901234567"}}));
}

TEST_F(IngestTest, DetectsDelimiterQuotingAndCrLfLineEndings) {
  auto result =
      IngestBytes("semi", "semi.csv", "name;note\r\n\"Smith; John\";\"said \"\"hi\"\"\"\r\nAda;plain\r\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->manifest.schema.size(), 2u);
  EXPECT_EQ(Rows("semi", "name"),
            (std::vector<std::vector<std::string>>{{"Ada", "plain"}, {"Smith; John", "said \"hi\""}}));
}

TEST_F(IngestTest, ReadsUtf16WithAByteOrderMark) {
  std::string text = "name,city\nZoë,Zürich\n";
  std::string utf16 = "\xFF\xFE";
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    char32_t cp = byte;
    std::size_t len = 1;
    if (byte >= 0xC0) {
      cp = static_cast<char32_t>(((byte & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F));
      len = 2;
    }
    utf16.push_back(static_cast<char>(cp & 0xFF));
    utf16.push_back(static_cast<char>(cp >> 8));
    i += len;
  }
  auto result = IngestBytes("u16", "u16.csv", utf16);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Rows("u16", "name"), (std::vector<std::vector<std::string>>{{"Zoë", "Zürich"}}));
}

TEST_F(IngestTest, IngestsNdjsonAndJsonArraysWithTheSameRules) {
  auto nd = IngestBytes("nd", "nd.ndjson",
                        "{\"id\": 1, \"zip\": \"00123\", \"tags\": [\"a\"], \"score\": 5}\n"
                        "{\"id\": 2, \"zip\": \"10001\", \"tags\": [], \"score\": \"N/A\"}\n");
  ASSERT_TRUE(nd.ok()) << nd.status().ToString();
  EXPECT_EQ(Column(*nd, "id").type, "BIGINT");
  EXPECT_EQ(Column(*nd, "zip").type, "VARCHAR");
  EXPECT_EQ(Column(*nd, "score").type, "VARCHAR");
  EXPECT_EQ(Rows("nd", "id")[0][1], "00123");
  auto array = IngestBytes("arr", "arr.json", R"([{"a": 1.5, "b": "x"}, {"a": 2, "b": "y"}])");
  ASSERT_TRUE(array.ok()) << array.status().ToString();
  EXPECT_EQ(Column(*array, "a").type, "DOUBLE");
  EXPECT_EQ(array->manifest.row_count, 2);
}

TEST_F(IngestTest, IngestsParquetKeepingItsTypes) {
  std::string path = dir_->File("in.parquet");
  auto db = engine::Database::Open({});
  auto conn = engine::Connection::Open(**db);
  ASSERT_TRUE(
      conn->Execute(
              "COPY (SELECT range AS id, 'z' || range AS label, range / 2.0 AS half FROM range(5)) TO " +
              QuoteSqlString(path) + " (FORMAT parquet)")
          .ok());
  IngestRequest request;
  request.name = "pq";
  request.path = path;
  request.owner = "o";
  request.source_system = "s";
  auto result = ingester_->Ingest(request);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->manifest.source_format, "parquet");
  EXPECT_EQ(result->manifest.row_count, 5);
  EXPECT_EQ(Column(*result, "id").type, "BIGINT");
  EXPECT_EQ(Column(*result, "label").type, "VARCHAR");
}

TEST_F(IngestTest, SameBytesTwiceIsANoOp) {
  const std::string csv = "id,name\n1,Ada\n2,Grace\n";
  auto first = IngestBytes("people", "a.csv", csv);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = IngestBytes("people", "b.csv", csv);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->unchanged);
  EXPECT_EQ(second->manifest.version, 1);
  EXPECT_EQ(catalog_->Versions("people")->size(), 1u);
  EXPECT_EQ(buckets_->primary().List("_catalog/manifests/")->size(), 1u) << "no new commit";
}

TEST_F(IngestTest, ChangedBytesMakeANewVersionAndOldVersionsStayReadable) {
  ASSERT_TRUE(IngestBytes("people", "a.csv", "id,name\n1,Ada\n").ok());
  auto same_schema = IngestBytes("people", "b.csv", "id,name\n1,Ada\n2,Grace\n");
  ASSERT_TRUE(same_schema.ok());
  EXPECT_EQ(same_schema->manifest.version, 2);
  auto changed_schema = IngestBytes("people", "c.csv", "id,name,zip\nA1,Ada,02134\n");
  ASSERT_TRUE(changed_schema.ok());
  EXPECT_EQ(changed_schema->manifest.version, 3);
  auto versions = catalog_->Versions("people");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].schema_fingerprint, (*versions)[1].schema_fingerprint);
  EXPECT_NE((*versions)[1].schema_fingerprint, (*versions)[2].schema_fingerprint);
  EXPECT_EQ((*versions)[0].id, (*versions)[2].id);
  EXPECT_EQ(Rows("people", "id", 1), (std::vector<std::vector<std::string>>{{"1", "Ada"}}));
  EXPECT_EQ(Rows("people", "id", 3), (std::vector<std::vector<std::string>>{{"A1", "Ada", "02134"}}));
}

TEST_F(IngestTest, MissingOwnerAndSourceSystemAreListed) {
  IngestRequest request;
  request.name = "x";
  request.path = WriteFile("x.csv", "a\n1\n");
  auto result = ingester_->Ingest(request);
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("missing required metadata: owner, source_system"),
            std::string::npos);
  request.owner = "me";
  result = ingester_->Ingest(request);
  EXPECT_NE(result.status().message().find("missing required metadata: source_system;"), std::string::npos)
      << result.status().message();
  ExpectNothingIngested("x");
}

TEST_F(IngestTest, PiiRaisesSensitivityAndIsListed) {
  auto result = IngestBytes("people", "p.csv",
                            "name,mail,national_number,city\nAda,ada@example.com,123-45-6789,London\n"
                            "Grace,grace@example.org,987-65-4321,Arlington\n");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& md = result->manifest.metadata;
  EXPECT_EQ(md.sensitivity, catalog::Sensitivity::kConfidential);
  EXPECT_EQ(md.pii_columns, (std::vector<std::string>{"mail", "national_number"}));
  EXPECT_EQ(Column(*result, "national_number").pii, "national_id");
  EXPECT_EQ(md.owner, "talent-ops");
  EXPECT_EQ(md.lineage.source_system, "bullhorn");
  EXPECT_FALSE(md.lineage.ingest_job.empty());
  auto plain = IngestBytes("cities", "c.csv", "city\nLondon\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->manifest.metadata.sensitivity, catalog::Sensitivity::kInternal);
}

TEST_F(IngestTest, RejectsAnEmptyFile) {
  auto result = IngestBytes("e", "e.csv", "");
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("empty"), std::string::npos);
  ExpectNothingIngested("e");
}

TEST_F(IngestTest, RejectsBinaryGarbageNamingTheLine) {
  std::string garbage = "id,name\n1,ok\n2,";
  garbage += std::string("\x00\x01\x02\x03", 4);
  garbage += "\n";
  auto result = IngestBytes("g", "g.csv", garbage);
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("line 3, column 3"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("binary"), std::string::npos);
  ExpectNothingIngested("g");
}

TEST_F(IngestTest, RejectsInvalidUtf8NamingLineAndColumn) {
  auto result = IngestBytes("u", "u.csv", "id,name\n1,Zo\xEB\n");
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("invalid UTF-8 at line 2, column 5"), std::string::npos)
      << result.status().message();
  ExpectNothingIngested("u");
}

TEST_F(IngestTest, RejectsRaggedRowsNamingTheLine) {
  auto result = IngestBytes("r", "r.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n11,12,13\n");
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  EXPECT_NE(result.status().message().find("4"), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find("Line: 4"), std::string::npos) << result.status().message();
  ExpectNothingIngested("r");
}

TEST_F(IngestTest, RejectsAFieldLargerThanTheLineLimit) {
  std::string huge = "id,blob\n1,small\n2," + std::string((1 << 20) + 10, 'x') + "\n";
  auto result = IngestBytes("h", "h.csv", huge);
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("line 3 is longer than"), std::string::npos)
      << result.status().message();
  ExpectNothingIngested("h");
}

TEST_F(IngestTest, RejectsATruncatedParquetFile) {
  std::string path = dir_->File("full.parquet");
  auto db = engine::Database::Open({});
  auto conn = engine::Connection::Open(**db);
  ASSERT_TRUE(conn->Execute("COPY (SELECT range AS id FROM range(1000)) TO " + QuoteSqlString(path) +
                            " (FORMAT parquet)")
                  .ok());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto result = IngestBytes("p", "cut.parquet", bytes.substr(0, bytes.size() / 2));
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("truncated"), std::string::npos);
  ExpectNothingIngested("p");
}

TEST_F(IngestTest, RejectsATruncatedCsvWithAnOpenQuote) {
  auto result = IngestBytes("q", "q.csv", "id,note\n1,\"fine\"\n2,\"cut off here");
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  ExpectNothingIngested("q");
}

TEST_F(IngestTest, RejectsMalformedJson) {
  auto result = IngestBytes("j", "j.json", "{\"a\": 1}\n{\"a\": \n");
  ASSERT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().ToString();
  ExpectNothingIngested("j");
}

// GrowingFile hashes DuckDB's Parquet file while it is written; that is only right if DuckDB's
// writer never rewrites bytes it wrote. COPYs of many row groups are followed as they grow.
TEST_F(IngestTest, FollowingTheParquetWriterHashesTheFileItWrote) {
  auto db = engine::Database::Open({});
  ASSERT_TRUE(db.ok());
  auto conn = engine::Connection::Open(**db);
  ASSERT_TRUE(conn.ok());
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string path = dir_->File("follow-" + std::to_string(attempt) + ".parquet");
    catalog::GrowingFile growing(path);
    std::atomic<bool> writing = true;
    std::set<std::uint64_t> prefixes;  // the sizes hashed while DuckDB was writing
    std::thread follower([&] {
      while (writing) {
        ASSERT_TRUE(growing.Advance().ok());
        prefixes.insert(growing.hashed_bytes());
        std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
      }
    });
    auto copied =
        conn->Query("COPY (SELECT i, i * 7 % 1000 AS k, md5(i::VARCHAR) AS h FROM range(1000000) t(i)) TO " +
                    QuoteSqlString(path) + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000)");
    writing = false;
    follower.join();
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
    auto followed = growing.Finish();
    ASSERT_TRUE(followed.ok()) << followed.status().ToString();
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(followed->size, bytes.size());
    EXPECT_EQ(followed->sha256, Sha256::Of(bytes)) << "attempt " << attempt;
    prefixes.erase(0);
    prefixes.erase(bytes.size());
    EXPECT_GE(prefixes.size(), 2U) << "the file was not followed while it grew (attempt " << attempt << ")";
  }
  // A file that shrinks under the follower is an error, not a wrong checksum.
  const std::string path = WriteFile("shrinks.bin", std::string(1000, 'x'));
  catalog::GrowingFile growing(path);
  ASSERT_TRUE(growing.Advance().ok());
  std::filesystem::resize_file(path, 10);
  EXPECT_EQ(growing.Advance().code(), StatusCode::kIOError);
  std::filesystem::resize_file(path, 2000);  // the error stays, however the file goes on
  EXPECT_EQ(growing.Advance().code(), StatusCode::kIOError);
  EXPECT_EQ(growing.Finish().status().code(), StatusCode::kIOError);
  // One that does not exist yet is not.
  catalog::GrowingFile later(dir_->File("not-yet.bin"));
  EXPECT_TRUE(later.Advance().ok());
  EXPECT_EQ(later.Finish().status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace lakehouse::ingest
