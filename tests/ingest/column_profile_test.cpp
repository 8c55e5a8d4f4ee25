// The two forms of the inference rules agree: ColumnProfile::Add (C++, used while a CSV file is
// scanned) and ColumnProfile::Sql (DuckDB aggregates, used for JSON and as the fallback) count the
// same values for tricky inputs; and CsvProfiler splits files into the records and values DuckDB's
// read_csv reads with the same dialect.
#include "ingest/column_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "catalog/scratch_directory.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "engine/sql_text.h"
#include "ingest/csv_profiler.h"

namespace lakehouse::ingest {
namespace {

using engine::QuoteSqlString;

const char* const kCountNames[] = {"non-null", "integers",   "numbers",       "booleans",
                                   "dates",    "timestamps", "leading zeros", "long digits",
                                   "phones",   "emails",     "national ids"};

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = engine::Database::Open({});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto conn = engine::Connection::Open(*db_);
    ASSERT_TRUE(conn.ok());
    conn_.emplace(std::move(conn).value());
    auto dir = catalog::ScratchDirectory::Create("", "profile-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }

  // The SQL profile of each value on its own (one row per value).
  std::vector<ColumnProfile> SqlProfiles(const std::vector<std::string>& values) {
    std::string rows;
    for (const auto& v : values) rows += (rows.empty() ? "(" : ", (") + QuoteSqlString(v) + ")";
    auto result = conn_->Query("SELECT " + ColumnProfile::Sql("v") + " FROM (VALUES " + rows +
                               ") t(v) GROUP BY v ORDER BY v");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<ColumnProfile> out;
    if (!result.ok()) return out;
    while (true) {
      auto chunk = result->Next();
      if (!chunk.ok() || !*chunk) break;
      for (std::size_t r = 0; r < (*chunk)->size(); ++r)
        out.push_back(ColumnProfile::FromSqlRow(**chunk, 0, r));
    }
    return out;
  }

  std::unique_ptr<engine::Database> db_;
  std::optional<engine::Connection> conn_;
  std::unique_ptr<catalog::ScratchDirectory> dir_;
};

// Values of every shape the rules tell apart, with their near misses.
std::vector<std::string> TrickyValues() {
  return {// numbers and what only looks like them
          "0", "-0", "7", "-42", "123456789012345", "1234567890123456", "-1234567890123456.5", "007",
          "-007.50", "0.5", "00", "1.5", "-2.25e10", "2e3", "1E-7", "1e1234", "1.", ".5", "+1", " 1", "1 ",
          "1_000", "0x1A", "1e", "1.5.5", "--1", "0123456789012345678", "12345678901234567.25",
          // dates and timestamps, real or not
          "2024-01-31", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "0000-02-29", "2024-1-31",
          "2024-01-31 10:00", "2024-01-31T10:00:00", "2024-01-31 10:00:00.123456",
          "2024-01-31 10:00:00.1234567", "2024-01-31 24:00:00", "2024-01-31 24:00:01", "2024-01-31 23:60",
          "2024-01-31 10:00:5", "2024/01/31", "2024-01-31 10:00:00.", "2024-01-31x",
          // booleans
          "true", "FALSE", "True", "yes", "truee",
          // phones, emails, national ids
          "+1 555-0100", "(555) 010-0000", "555-123-4567", "555.123.4567", "+44 (20) 7946 0958", "5550100",
          "555 0100", "+1555 0100", "1234 5678", "(55) 1234-5678", "((555) 123-4567", "555-01000",
          "ada@example.com", "a@b.c", "a@.bc", "a@bc.", "a b@example.com", "a@@example.com", "@example.com",
          "ann@ex@ample.com", "123-45-6789", "123-456-789", "12-345-6789",
          // text
          "N/A", "hello world", "Zürich", "-", "e", "T", ":",
          // the shapes the classifier takes shortcuts for, and their near misses
          "123.4567", "-123.4567", "1234.5678", "12.3456", "0.1234", "1.23456", "99.9", "-0.5", "0.", "-.5",
          "1996-01-02", "0000-01-01", "1996-01-0x", "19960-01-02", "-1996-01-02", "e5", "E", "Ab c@x.io",
          "abc@x.io", "TRUE", "t", "x1996-01-01", "x123", "Tuesday", "a@b@c.de",
          // 16 bytes and around it (AddPadded's vector width), words that are almost booleans
          "-123456789012345", "-1234567890123456", "12345678901234.5", "123456789012345.5",
          "1234567890.123456", "TAKE BACK RETURN", "DELIVER IN PERSON",
          "a long value of text that ends in an @", "tRuE", "fAlSe", "Tree", "fiver", "FOB", "[abc", "`abc",
          "{abc", "@abc", "Zz"};
}

TEST_F(ProfileTest, CppAndSqlClassifyEveryValueAlike) {
  const std::vector<std::string> values = TrickyValues();
  auto sql = SqlProfiles(values);
  std::vector<std::string> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  ASSERT_EQ(sql.size(), sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    ColumnProfile cpp;
    cpp.Add(sorted[i]);
    for (int k = kNonNull; k <= kNationalIds; ++k) {
      auto stat = static_cast<ProfileStat>(k);
      EXPECT_EQ(cpp.count(stat), sql[i].count(stat)) << "\"" << sorted[i] << "\": " << kCountNames[k];
    }
    for (ProfileStat example : {kTextExample, kLeadingZeroExample, kPhoneExample, kLongExample}) {
      EXPECT_EQ(cpp.example(example), sql[i].example(example))
          << "\"" << sorted[i] << "\": example " << example;
    }
  }
}

// Every count and example of two profiles, as text, for comparing them in one assertion.
std::string Describe(const ColumnProfile& p) {
  std::string out;
  for (int k = kNonNull; k <= kNationalIds; ++k)
    out += std::string(kCountNames[k]) + "=" + std::to_string(p.count(static_cast<ProfileStat>(k))) + " ";
  for (ProfileStat example : {kTextExample, kLeadingZeroExample, kPhoneExample, kLongExample})
    out += "[" + p.example(example) + "]";
  return out;
}

TEST(ColumnProfileTest, AddPaddedCountsWhatAddCounts) {
  // The tricky values, then random ones over the characters the shortcuts look at; each is read
  // with bytes after it that would change the answer if they were taken for part of it.
  std::vector<std::string> values = TrickyValues();
  std::mt19937 random(20261207);
  const std::string alphabet = "0123456789-.@:eETtFf +()aZ";
  for (int i = 0; i < 20000; ++i) {
    std::string v(std::uniform_int_distribution<std::size_t>(0, 40)(random), ' ');
    for (char& c : v)
      c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    values.push_back(std::move(v));
  }
  for (const std::string tail :
       {"0000000000000000", "----------------", "................", "@@@@@@@@@@@@@@@@", "aaaaaaaaaaaaaaaa"}) {
    ColumnProfile plain, padded;
    for (const std::string& value : values) {
      const std::string buffer = value + tail;
      plain.Add(value);
      padded.AddPadded(std::string_view(buffer).substr(0, value.size()));
      ASSERT_EQ(Describe(padded), Describe(plain)) << "after \"" << value << "\" followed by " << tail;
    }
  }
}

// Writes `bytes` to a file and compares what CsvProfiler and DuckDB's read_csv read from it.
struct Reading {
  std::int64_t records = 0;
  std::vector<std::int64_t> values;  // non-NULL values per column
};

class CsvProfilerTest : public ProfileTest {
 protected:
  Reading Duck(const std::string& path, const CsvDialect& d, const std::vector<std::string>& names) {
    std::string columns, counts;
    for (const auto& n : names) {
      columns += (columns.empty() ? "" : ", ") + QuoteSqlString(n) + ": 'VARCHAR'";
      counts += ", count(" + engine::QuoteSqlIdentifier(n) + ")";
    }
    auto result =
        conn_->Query("SELECT count(*)" + counts + " FROM read_csv(" + QuoteSqlString(path) +
                     ", auto_detect = false, delim = " + QuoteSqlString(std::string(1, d.delimiter)) +
                     ", quote = " + QuoteSqlString(std::string(1, d.quote)) +
                     ", escape = " + QuoteSqlString(std::string(1, d.escape)) +
                     ", header = " + (d.header ? "true" : "false") + ", columns = {" + columns +
                     "}, strict_mode = true, null_padding = false)");
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    Reading r;
    if (!result.ok()) return r;
    auto chunk = result->Next();
    EXPECT_TRUE(chunk.ok() && *chunk);
    if (!chunk.ok() || !*chunk) return r;
    r.records = (*chunk)->GetValue(0, 0).AsInt64().value_or(-1);
    for (std::size_t i = 0; i < names.size(); ++i)
      r.values.push_back((*chunk)->GetValue(i + 1, 0).AsInt64().value_or(-1));
    return r;
  }

  // Feeds `bytes` in pieces of `piece` bytes.
  static CsvProfiler Profile(const std::string& bytes, const CsvDialect& d, std::size_t piece) {
    CsvProfiler profiler(d);
    for (std::size_t i = 0; i < bytes.size(); i += piece)
      profiler.Feed(std::string_view(bytes).substr(i, piece));
    profiler.Finish();
    return profiler;
  }

  void ExpectSameReading(const std::string& bytes, CsvDialect d, const std::vector<std::string>& names) {
    std::string path = dir_->File("f.csv");
    std::ofstream(path, std::ios::binary) << bytes;
    d.columns = names.size();
    Reading duck = Duck(path, d, names);
    const CsvProfiler whole = Profile(bytes, d, bytes.size());
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{100},
                              std::size_t{4096}, bytes.size()}) {
      CsvProfiler profiler = Profile(bytes, d, piece);
      for (std::size_t i = 0; profiler.trusted() && i < names.size(); ++i) {
        for (int k = kNonNull; k <= kNationalIds; ++k) {
          auto stat = static_cast<ProfileStat>(k);
          EXPECT_EQ(profiler.columns()[i].count(stat), whole.columns()[i].count(stat))
              << "column " << names[i] << ", " << kCountNames[k] << ", pieces of " << piece;
        }
      }
      ASSERT_TRUE(profiler.trusted()) << "pieces of " << piece << ": " << bytes;
      EXPECT_EQ(profiler.records(), duck.records) << "pieces of " << piece << ": " << bytes;
      for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(profiler.columns()[i].count(kNonNull), duck.values[i])
            << "column " << names[i] << ", pieces of " << piece << ": " << bytes;
      }
    }
  }
};

TEST_F(CsvProfilerTest, ReadsTheRecordsAndValuesDuckDbReads) {
  CsvDialect comma;
  ExpectSameReading("a,b\n1,x\n2,\n,\n3,\"\"\n", comma, {"a", "b"});
  ExpectSameReading("a,b\r\n1,\"x, \"\"y\"\"\"\r\n2,\"multi\nline\"\r\n", comma, {"a", "b"});
  ExpectSameReading(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n\n3,4",
      comma, {"a", "b"});
  ExpectSameReading("a\n1\n\n2\n", comma, {"a"});
  ExpectSameReading("a,b,c\n1,2,\n", comma, {"a", "b", "c"});
  CsvDialect semicolon{';', '\'', '\'', false, 0};
  ExpectSameReading("1;'it''s; here'\n2;plain\n", semicolon, {"column0", "column1"});
  CsvDialect tab{'\t', '"', '\\', true, 0};
  ExpectSameReading("a\tb\n1\t\"say \\\"hi\\\"\"\n", tab, {"a", "b"});
}

TEST_F(CsvProfilerTest, ReadsLongFilesAsDuckDbDoesInAnyPieces) {
  // Long enough for the 64-byte block scan, with every kind of field between plain ones.
  for (const std::string ending : {"\n", "\r\n"}) {
    std::string csv = "id,amount,note,day" + ending;
    for (int row = 0; row < 3000; ++row) {
      std::string note;
      switch (row % 7) {
        case 0: note = "plain text " + std::to_string(row); break;
        case 1: note = "\"quoted, with a comma\""; break;
        case 2: note = "\"say \"\"hi\"\"\""; break;
        case 3: note = "\"two" + ending + "lines\""; break;
        case 4: note = ""; break;
        case 5: note = "\"\""; break;
        default: note = std::string(static_cast<std::size_t>(row % 150), 'z'); break;
      }
      csv += std::to_string(row) + "," + (row % 11 == 0 ? "" : std::to_string(row) + ".25") + "," + note +
             ",2024-01-" + std::to_string(10 + row % 19) + ending;
    }
    ExpectSameReading(csv, CsvDialect{}, {"id", "amount", "note", "day"});
  }
}

TEST(CsvProfilerRandomTest, SplitsRandomFilesAsTheByteByByteReadingDoes) {
  // Fed one byte at a time, the profiler only runs its state machine; fed whole or in random
  // pieces, it splits most fields 64 bytes at a time. Both must read the same records, values and
  // examples, and stop trusting themselves at the same files.
  std::mt19937 random(7);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };
  auto field = [&]() -> std::string {
    switch (pick(10)) {
      case 0: return std::to_string(static_cast<int>(pick(2000000)) - 1000000);
      case 1: return std::to_string(pick(100000)) + "." + std::to_string(pick(100));
      case 2: return "2024-0" + std::to_string(1 + pick(9)) + "-" + std::to_string(10 + pick(22));
      case 3: return std::string(1 + pick(30), static_cast<char>('a' + pick(26)));
      case 4: return "";
      case 5: return "\"a, \"\"quoted\"\"\nfield\"";
      case 6: return std::string(60 + pick(150), 'x');
      case 7: return "name" + std::to_string(pick(100)) + "@example.com";
      case 8: return "0" + std::to_string(pick(10000));
      default: return chance(50) ? "TRUE" : "F";
    }
  };
  int trusted_files = 0;
  for (int file = 0; file < 300; ++file) {
    CsvDialect d;
    d.columns = 1 + pick(6);
    d.header = chance(50);
    const std::string ending = chance(30) ? "\r\n" : "\n";
    std::string bytes;
    if (d.header) {
      for (std::size_t c = 0; c < d.columns; ++c)
        bytes += (c ? "," : "") + std::string("col") + std::to_string(c);
      bytes += ending;
    }
    const std::size_t records = pick(400);
    // In some files one record is wrong: ragged, a quote where none may be, another line ending.
    const std::size_t mess = chance(40) ? 1 + pick(3) : 0, mess_at = pick(records + 1);
    for (std::size_t r = 0; r < records; ++r) {
      const bool wrong = r == mess_at;
      const std::size_t fields = d.columns + (wrong && mess == 1) - (wrong && mess == 2 && d.columns > 1);
      for (std::size_t c = 0; c < fields; ++c) bytes += (c ? "," : "") + field();
      if (wrong && mess == 3) bytes += "x\"y";
      bytes += wrong && mess == 2 && d.columns == 1 ? "\r" + ending : ending;
      if (chance(2)) bytes += ending;  // a blank line
    }
    if (chance(50) && !bytes.empty()) bytes.pop_back();  // no line ending at the end
    auto profile = [&](auto&& piece_size) {
      CsvProfiler profiler(d);
      for (std::size_t at = 0; at < bytes.size();) {
        const std::size_t piece = std::min(bytes.size() - at, piece_size());
        profiler.Feed(std::string_view(bytes).substr(at, piece));
        at += piece;
      }
      profiler.Finish();
      return profiler;
    };
    const CsvProfiler reference = profile([] { return std::size_t{1}; });
    for (const CsvProfiler& fast :
         {profile([&] { return bytes.size(); }), profile([&] { return 1 + pick(5000); })}) {
      ASSERT_EQ(fast.trusted(), reference.trusted()) << "file " << file << ":\n" << bytes;
      if (!reference.trusted()) continue;
      ASSERT_EQ(fast.records(), reference.records()) << "file " << file;
      for (std::size_t c = 0; c < d.columns; ++c) {
        ASSERT_EQ(Describe(fast.columns()[c]), Describe(reference.columns()[c]))
            << "file " << file << ", column " << c;
      }
    }
    trusted_files += reference.trusted();
  }
  // Both kinds of file were tried.
  EXPECT_GT(trusted_files, 50);
  EXPECT_LT(trusted_files, 250);
}

TEST_F(CsvProfilerTest, ProfilesEveryValueOfEveryRecord) {
  CsvDialect d;
  d.columns = 2;
  CsvProfiler profiler = Profile("id,zip\n1,02134\n2,10001\n3,\"00501\"\n", d, 5);
  ASSERT_TRUE(profiler.trusted());
  EXPECT_EQ(profiler.records(), 3);
  EXPECT_EQ(profiler.columns()[0].count(kIntegers), 3);
  EXPECT_EQ(profiler.columns()[1].count(kLeadingZeros), 2);
  EXPECT_EQ(profiler.columns()[1].example(kLeadingZeroExample), "02134");
}

TEST_F(CsvProfilerTest, StopsTrustingItselfWhereDuckDbWouldRefuseTheFile) {
  CsvDialect d;
  d.columns = 2;
  for (const char* bytes : {"a,b\n1,2\n3,4,5\n", "a,b\n1\n", "a,b\n1,\"open\n", "a,b\n1,x\"y\n",
                            "a,b\n1,\"x\"y\n", "a,b\n1,2\r\n3,4\n"}) {
    EXPECT_FALSE(Profile(bytes, d, 4).trusted()) << bytes;
  }
}

}  // namespace
}  // namespace lakehouse::ingest
