#include "ingest/ingester.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <system_error>

#include "catalog/file_transfer.h"
#include "common/fault_point.h"
#include "common/log.h"
#include "common/sha256.h"
#include "engine/connection.h"
#include "engine/sql_text.h"
#include "ingest/column_profile.h"
#include "ingest/csv_profiler.h"
#include "ingest/text_check.h"
#include "storage/object_key.h"

namespace lakehouse::ingest {
namespace {

using engine::QuoteSqlIdentifier;
using engine::QuoteSqlString;

constexpr std::size_t kReadChunk = 4 << 20;
// What ScanSource checks and profiles in one go: a quarter of a typical per-core L2 cache.
constexpr std::size_t kCacheBlock = 128 << 10;

// The first bytes of a file: enough to tell the text encoding and to read a CSV header line.
struct FileHead {
  std::uint64_t size = 0;
  std::string encoding = "utf-8";  // for read_csv
  std::string first_line;          // up to 64 KiB, for checking the sniffed CSV dialect
};

Result<FileHead> ReadHead(const std::string& path, const std::string& format) {
  std::error_code ec;
  FileHead head;
  head.size = std::filesystem::file_size(path, ec);
  if (ec) return Status::InvalidArgument(fmt::format("cannot read {}: {}", path, ec.message()));
  if (head.size == 0) return Status::InvalidArgument("the file is empty; there is nothing to ingest");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::string bytes(std::min<std::uint64_t>(head.size, 64 << 10), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (format != "parquet" && bytes.size() >= 2 &&
      ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
    head.encoding = "utf-16";
  }
  head.first_line = bytes.substr(0, bytes.find('\n'));
  return head;
}

// Reads the file once: hashes it (on a second thread, chunk by chunk) and, for text formats,
// checks that it is UTF-8 text with lines of sane length, naming the line and column of the first
// problem; CSV bytes also go to `profiler` (may be null).
Result<std::string> ScanSource(const IngestRequest& request, const std::string& format, const FileHead& head,
                               std::uint64_t max_line, CsvProfiler* profiler) {
  std::ifstream in(request.path, std::ios::binary);
  if (!in)
    return Status::InvalidArgument(fmt::format("cannot read {}: {}", request.path, std::strerror(errno)));
  const std::uint64_t total = head.size;
  Sha256 hash;
  const bool text = format != "parquet";
  const bool check_utf8 = text && head.encoding == "utf-8";
  TextCheck text_check(max_line, format == "csv" ? "CSV" : "JSON");
  std::uint64_t offset = 0;
  std::string first4, tail;
  std::vector<char> buffer(kReadChunk);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    std::string_view piece(buffer.data(), got);
    // SHA-256 runs beside the checks below; both only read `buffer`. (Without a thread to spare,
    // it runs here.)
    std::future<void> hashed;
    try {
      hashed = std::async(std::launch::async, [&hash, piece] { hash.Update(piece); });
    } catch (const std::system_error&) {
      hash.Update(piece);
    }
    struct JoinHash {
      std::future<void>& f;
      ~JoinHash() {
        if (f.valid()) f.wait();
      }
    } join{hashed};
    if (offset == 0) first4 = std::string(piece.substr(0, 4));
    tail = (tail + std::string(piece.substr(piece.size() > 4 ? piece.size() - 4 : 0)));
    if (tail.size() > 4) tail = tail.substr(tail.size() - 4);
    // The UTF-8 check and the profiler take the chunk block by block, so that the profiler reads
    // bytes the check just brought into the core's cache.
    for (std::size_t block = 0; block < got; block += kCacheBlock) {
      const std::size_t end = std::min(got, block + kCacheBlock);
      if (check_utf8) LH_RETURN_IF_ERROR(text_check.Feed(piece.substr(block, end - block)));
      if (profiler != nullptr) profiler->Feed(piece.substr(block, end - block));
    }
    offset += got;
    if (request.progress) request.progress(offset, total);
  }
  if (in.bad()) return Status::IOError(fmt::format("reading {} failed part way", request.path));
  if (check_utf8) LH_RETURN_IF_ERROR(text_check.Finish());
  if (format == "parquet" && (first4 != "PAR1" || tail != "PAR1")) {
    return Status::InvalidArgument(
        "the file is not a complete Parquet file (it must start and end with 'PAR1'); it may be truncated or "
        "of another format");
  }
  if (profiler != nullptr) profiler->Finish();
  return hash.HexDigest();
}

// DuckDB's reader errors end with advice for DuckDB users (options of read_csv); keep the part
// that says what and where.
std::string TrimReaderMessage(std::string message) {
  for (const char* cut :
       {"\nPossible fixes", "\nPossible Solution", "\n  file = ", "\nThe search space used", "\nLINE 1:"}) {
    if (auto pos = message.find(cut); pos != std::string::npos) message.resize(pos);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Status ReaderError(const Status& st, const std::string& format) {
  if (st.code() != StatusCode::kInvalidArgument && st.code() != StatusCode::kIOError &&
      st.code() != StatusCode::kInternal) {
    return st;
  }
  return Status::InvalidArgument(
      fmt::format("the file cannot be read as {}: {}\nFix the file and ingest it again.",
                  format == "csv" ? "CSV" : format, TrimReaderMessage(st.message())));
}

Result<std::vector<engine::Column>> Describe(engine::Connection& connection, const std::string& relation) {
  LH_ASSIGN_OR_RETURN(auto result, connection.Query(fmt::format("SELECT * FROM {} LIMIT 0", relation)));
  return result.columns();
}

// Runs `sql` and returns the first column of the first row.
Result<engine::Value> QueryScalar(engine::Connection& connection, const std::string& sql) {
  LH_ASSIGN_OR_RETURN(auto result, connection.Query(sql));
  LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
  if (!chunk || chunk->size() == 0) return Status::Internal("a scalar query returned no row");
  return chunk->GetValue(0, 0);
}

// Column names that mark codes whose text matters even when every value looks like a number.
bool NameSaysCode(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* hint : {"zip", "postal", "postcode", "phone", "mobile", "fax", "ssn", "tel"}) {
    if (lower.find(hint) != std::string::npos) return true;
  }
  return false;
}

bool NameSaysPii(const std::string& name, std::string* kind) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("email") != std::string::npos || lower.find("e_mail") != std::string::npos) {
    *kind = "email";
    return true;
  }
  if (lower.find("phone") != std::string::npos || lower.find("mobile") != std::string::npos) {
    *kind = "phone";
    return true;
  }
  if (lower == "ssn" || lower.find("social_security") != std::string::npos ||
      lower.find("national_id") != std::string::npos) {
    *kind = "national_id";
    return true;
  }
  return false;
}

// Decides a text column's type from its statistics; see the header comment for the rules.
ColumnReport Decide(const std::string& name, const ColumnProfile& s) {
  ColumnReport report{name, "VARCHAR", "", ""};
  const std::int64_t n = s.count(kNonNull);
  auto pct = [&](ProfileStat stat) { return n > 0 && s.count(stat) * 2 >= n; };
  if (pct(kEmails))
    report.pii = "email";
  else if (pct(kNationalIds))
    report.pii = "national_id";
  else if (pct(kPhones))
    report.pii = "phone";
  else if (std::string kind; n > 0 && NameSaysPii(name, &kind))
    report.pii = kind;

  if (n == 0) {
    report.string_reason = "the column has no values to infer a type from";
    return report;
  }
  std::string candidate;
  if (s.count(kBooleans) == n)
    candidate = "BOOLEAN";
  else if (s.count(kIntegers) == n)
    candidate = "BIGINT";
  else if (s.count(kNumbers) == n)
    candidate = "DOUBLE";
  else if (s.count(kDates) == n)
    candidate = "DATE";
  else if (s.count(kTimestamps) == n)
    candidate = "TIMESTAMP";
  if (!candidate.empty()) {
    if ((candidate == "BIGINT" || candidate == "DOUBLE") && NameSaysCode(name)) {
      report.string_reason = fmt::format(
          "all values look like numbers, but the column name '{}' marks codes (ZIP, phone, ...) whose text "
          "matters",
          name);
      return report;
    }
    report.type = candidate;
    return report;
  }
  const std::int64_t numeric_like = s.count(kNumbers) + s.count(kLeadingZeros) + s.count(kLongDigits);
  if (s.count(kLeadingZeros) > 0 && numeric_like == n) {
    report.string_reason = fmt::format(
        "values with leading zeros (e.g. \"{}\") carry meaning in their text; as numbers they would lose the "
        "zeros",
        s.example(kLeadingZeroExample));
  } else if (s.count(kLongDigits) > 0 && numeric_like == n) {
    report.string_reason = fmt::format(
        "values with 16 or more digits (e.g. \"{}\") are identifiers; a number could not keep them exact",
        s.example(kLongExample));
  } else if (s.count(kPhones) > 0 && s.count(kPhones) + numeric_like >= n) {
    report.string_reason =
        fmt::format("phone numbers (e.g. \"{}\") stay exactly as written", s.example(kPhoneExample));
  } else if (numeric_like > 0 || s.count(kDates) > 0 || s.count(kTimestamps) > 0 || s.count(kBooleans) > 0) {
    report.string_reason = fmt::format(
        "ambiguous: {} of {} values look like numbers, dates or booleans, but e.g. \"{}\" does not; the "
        "column "
        "defaults to string",
        std::max({numeric_like, s.count(kDates), s.count(kTimestamps), s.count(kBooleans)}), n,
        s.example(kTextExample));
  } else {
    report.string_reason = fmt::format("the values are text (e.g. \"{}\")", s.example(kTextExample));
  }
  return report;
}

// How much of a CSV file GuessColumns profiles: about 30,000 records of TPC-H lineitem.
constexpr std::size_t kGuessBytes = 4 << 20;

// The column types the first kGuessBytes of a CSV file suggest: Decide over the profile of the
// records up to the last line end there (of the whole file, if it is that small). Empty when those
// bytes do not split cleanly into `columns`' fields or hold no record.
std::vector<ColumnReport> GuessColumns(const std::string& path, const CsvDialect& dialect,
                                       const std::vector<engine::Column>& columns) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(kGuessBytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  CsvProfiler profiler(dialect);
  if (bytes.size() < kGuessBytes) {
    profiler.Feed(bytes);
    profiler.Finish();
  } else {
    const std::size_t end = bytes.rfind('\n');
    if (end == std::string::npos) return {};
    profiler.Feed(std::string_view(bytes).substr(0, end + 1));
  }
  if (!profiler.trusted() || profiler.records() == 0 || profiler.columns().size() != columns.size())
    return {};
  std::vector<ColumnReport> guessed;
  for (std::size_t i = 0; i < columns.size(); ++i)
    guessed.push_back(Decide(columns[i].name, profiler.columns()[i]));
  return guessed;
}

// Checks the Parquet file DuckDB wrote against what the CSV profiler counted: `rows` records and
// per column `values[i]` non-NULL values (from the file's footer statistics).
Status SameValueCounts(engine::Connection& connection, const std::string& file, std::int64_t rows,
                       std::int64_t records, const std::vector<std::int64_t>& values) {
  if (rows != records) {
    return Status::FailedPrecondition(fmt::format("DuckDB read {} rows, the profiler {}", rows, records));
  }
  LH_ASSIGN_OR_RETURN(auto result, connection.Query(fmt::format(
                                       "SELECT column_id, sum(stats_null_count) FROM parquet_metadata({}) "
                                       "GROUP BY column_id ORDER BY column_id",
                                       QuoteSqlString(file))));
  std::size_t seen = 0;
  while (true) {
    LH_ASSIGN_OR_RETURN(auto chunk, result.Next());
    if (!chunk) break;
    for (std::size_t r = 0; r < chunk->size(); ++r, ++seen) {
      auto column = chunk->GetValue(0, r).AsInt64();
      auto nulls = chunk->GetValue(1, r).AsInt64();
      if (!column || !nulls || *column < 0 || static_cast<std::size_t>(*column) >= values.size()) {
        return Status::FailedPrecondition("the Parquet footer has no null counts to compare");
      }
      if (rows - *nulls != values[static_cast<std::size_t>(*column)]) {
        return Status::FailedPrecondition(fmt::format("column {}: DuckDB read {} values, the profiler {}",
                                                      *column, rows - *nulls,
                                                      values[static_cast<std::size_t>(*column)]));
      }
    }
  }
  if (seen != values.size()) return Status::FailedPrecondition("the Parquet footer lists other columns");
  return Status::OK();
}

std::string CastExpression(const ColumnReport& column) {
  std::string c = QuoteSqlIdentifier(column.name);
  if (column.type == "VARCHAR") return c;
  return fmt::format("CAST({} AS {}) AS {}", c, column.type, c);
}

// How to read a CSV file: the options for DuckDB's read_csv and, when the C++ profiler can split
// the file the same way, its dialect.
struct CsvSetup {
  std::string reader_options;  //!< the dialect, for read_csv
  //! The header's column names (none for UTF-16 text, whose columns DuckDB's sniffer finds).
  std::vector<std::string> column_names;
  std::optional<CsvDialect> dialect;
};

// The CSV dialect to read with. DuckDB's sniffer gives up on files with ragged rows or an
// unterminated quote and reads them as one text column, which would hide the problem; so a
// delimiter the header line does not contain is replaced by the most frequent common one, and
// quoting is RFC 4180 ('"', doubled to escape) unless the sniffer found another quote.
CsvSetup CsvReadSetup(engine::Connection& connection, const std::string& path, const FileHead& head) {
  // UTF-16 text cannot be split here byte-wise; DuckDB's sniffer reads it on its own.
  if (head.encoding != "utf-8") return {"all_varchar = true", {}, std::nullopt};
  std::string delimiter = ",", quote = "\"", escape = "\"", header = "true";
  auto sniffed = connection.Query(fmt::format(
      "SELECT Delimiter, Quote, Escape, HasHeader FROM sniff_csv({}, encoding = '{}', sample_size = 20480)",
      QuoteSqlString(path), head.encoding));
  if (sniffed.ok()) {
    auto chunk = sniffed->Next();
    if (chunk.ok() && *chunk && (*chunk)->size() > 0) {
      const auto& c = **chunk;
      delimiter = c.GetValue(0, 0).ToString();
      std::string q = c.GetValue(1, 0).ToString();
      if (q == "'") {
        quote = q;
        escape = c.GetValue(2, 0).ToString();
      }
      header = c.GetValue(3, 0).AsBool().value_or(true) ? "true" : "false";
    }
  }
  if (delimiter.empty() || head.first_line.find(delimiter) == std::string::npos) {
    std::size_t best = 0;
    for (const char* candidate : {",", ";", "\t", "|"}) {
      auto n =
          static_cast<std::size_t>(std::count(head.first_line.begin(), head.first_line.end(), candidate[0]));
      if (n > best) {
        best = n;
        delimiter = candidate;
        header = "true";
      }
    }
  }
  if (escape.empty() || escape == "\\0") escape = quote;
  // The columns come from the header line, so that DuckDB reads with exactly this dialect (no
  // second sniffing) and reports ragged rows instead of guessing around them.
  std::vector<std::string> fields(1);
  const char delim = delimiter == "\\t" ? '\t' : delimiter[0];
  bool quoted = false;
  std::string line = head.first_line;
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (std::size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (ch == quote[0]) {
      if (quoted && i + 1 < line.size() && line[i + 1] == quote[0]) {
        fields.back() += ch;
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (ch == delim && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  CsvSetup setup;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name = header == "true" && !fields[i].empty() ? fields[i] : fmt::format("column{}", i);
    for (int n = 1; seen.contains(name); ++n)
      name = fmt::format("{}_{}", header == "true" ? fields[i] : "column", n);
    seen.insert(name);
    setup.column_names.push_back(std::move(name));
  }
  setup.reader_options =
      fmt::format("auto_detect = false, delim = {}, quote = {}, escape = {}, header = {}",
                  QuoteSqlString(delimiter), QuoteSqlString(quote), QuoteSqlString(escape), header);
  // The profiler splits on single bytes; anything else is left to DuckDB.
  auto single = [](const std::string& text) { return text.size() == 1 || text == "\\t"; };
  if (single(delimiter) && quote.size() == 1 && escape.size() == 1) {
    setup.dialect = CsvDialect{delim, quote[0], escape[0], header == "true", fields.size()};
  }
  return setup;
}

std::string NewJobId() {
  std::random_device random;
  return fmt::format("ingest-{:08x}{:08x}", random(), random());
}

}  // namespace

Status CheckRequiredMetadata(const std::string& owner, const std::string& source_system) {
  std::vector<std::string> missing;
  if (owner.empty()) missing.emplace_back("owner");
  if (source_system.empty()) missing.emplace_back("source_system");
  if (missing.empty()) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("missing required metadata: {}; every manual ingest must say who owns the data and which "
                  "system it came from",
                  fmt::join(missing, ", ")));
}

Result<std::string> FormatFromPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") return std::string("csv");
  if (ext == ".json" || ext == ".ndjson" || ext == ".jsonl") return std::string("json");
  if (ext == ".parquet") return std::string("parquet");
  return Status::InvalidArgument(fmt::format(
      "cannot tell the format of '{}' from its name; give the format: csv, json or parquet", path));
}

Ingester::Ingester(catalog::Catalog& catalog, BucketRegistry& buckets, IngestOptions options,
                   std::unique_ptr<engine::Database> database,
                   std::unique_ptr<catalog::ScratchDirectory> scratch)
    : catalog_(catalog),
      buckets_(buckets),
      options_(std::move(options)),
      database_(std::move(database)),
      scratch_(std::move(scratch)) {}

Ingester::~Ingester() = default;

Result<std::unique_ptr<Ingester>> Ingester::Create(catalog::Catalog& catalog, BucketRegistry& buckets,
                                                   const IngestOptions& options) {
  LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(options.scratch_dir, "ingest"));
  engine::DatabaseOptions db = options.engine;
  db.path.clear();
  // What does not fit in the memory limit spills here rather than into DuckDB's default (".tmp"
  // in the working directory); it goes with the scratch directory.
  if (db.temp_dir.empty()) db.temp_dir = scratch->File("spill");
  auto database = engine::Database::Open(db);
  if (!database.ok()) return database.status().WithContext("cannot start the ingest engine");
  return std::unique_ptr<Ingester>(
      new Ingester(catalog, buckets, options, std::move(database).value(), std::move(scratch)));
}

Result<IngestResult> Ingester::Ingest(const IngestRequest& request) {
  if (!request.object) return IngestFile(request, "");
  const ObjectSource& source = *request.object;
  LH_RETURN_IF_ERROR(CheckRequiredMetadata(request.owner, request.source_system));
  LH_RETURN_IF_ERROR(catalog::ValidateDatasetName(request.name));
  if (Status valid = ValidateObjectKey(source.key); !valid.ok()) {
    return valid.WithContext("the source object's key is not valid");
  }
  if (source.key.starts_with("_")) {
    return Status::PermissionDenied(
        fmt::format("the key '{}' is under a prefix reserved for the lakehouse's own objects (a first "
                    "segment starting with '_'); ingest an object you put in the bucket yourself",
                    source.key));
  }
  auto store = buckets_.Get(source.bucket);
  if (!store.ok()) return store.status();
  IngestRequest local = request;
  local.object.reset();
  if (local.format.empty()) {
    LH_ASSIGN_OR_RETURN(local.format, FormatFromPath(source.key));
  }
  local.path = scratch_->File(fmt::format("source-{}", NewJobId()));
  auto remove_local = [&] {
    std::error_code ec;
    std::filesystem::remove(local.path, ec);
  };
  Status fetched = catalog::DownloadFile(**store, source.key, local.path);
  if (!fetched.ok()) {
    remove_local();
    if (fetched.code() == StatusCode::kNotFound) {
      return Status::NotFound(
          fmt::format("bucket '{}' has no object '{}'; check the key (GET /storage/buckets "
                      "lists the buckets)",
                      source.bucket, source.key));
    }
    return fetched.WithContext(
        fmt::format("cannot read object '{}' of bucket '{}'", source.key, source.bucket));
  }
  auto result = IngestFile(local, fmt::format("{}:{}", source.bucket, source.key));
  remove_local();
  return result;
}

Result<IngestResult> Ingester::IngestFile(const IngestRequest& request, const std::string& source_object) {
  LH_RETURN_IF_ERROR(CheckRequiredMetadata(request.owner, request.source_system));
  LH_RETURN_IF_ERROR(catalog::ValidateDatasetName(request.name));
  std::string format = request.format;
  if (format.empty()) {
    LH_ASSIGN_OR_RETURN(format, FormatFromPath(request.path));
  } else if (format == "ndjson" || format == "jsonl") {
    format = "json";
  } else if (format != "csv" && format != "json" && format != "parquet") {
    return Status::InvalidArgument(fmt::format("unknown format '{}'; use csv, json or parquet", format));
  }
  if (!request.freshness_sla.empty())
    LH_RETURN_IF_ERROR(catalog::ParseFreshnessSla(request.freshness_sla).status());
  LH_ASSIGN_OR_RETURN(FileHead head, ReadHead(request.path, format));
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));

  // A CSV file is profiled for type inference while it is read for its hash; DuckDB then reads it
  // once more, to write the Parquet file.
  CsvSetup csv;
  std::optional<CsvProfiler> profiler;
  if (format == "csv") {
    csv = CsvReadSetup(connection, request.path, head);
    if (csv.dialect) profiler.emplace(*csv.dialect);
  }
  // Every source becomes a relation of text columns (CSV, JSON) or typed columns (Parquet).
  const std::string path = QuoteSqlString(request.path);
  // A CSV file read with the given column types (all VARCHAR when `columns` is empty). DuckDB
  // sizes its read buffers at 16 times max_line_size unless told (256 MiB each for a 16 MiB line
  // limit, which alone would break a small engine.memory_limit); twice the line is enough.
  auto csv_relation = [&](const std::vector<ColumnReport>& columns) {
    std::string typed;
    for (std::size_t i = 0; i < csv.column_names.size(); ++i) {
      typed += fmt::format("{}{}: {}", typed.empty() ? "" : ", ", QuoteSqlString(csv.column_names[i]),
                           QuoteSqlString(columns.empty() ? "VARCHAR" : columns[i].type));
    }
    return fmt::format(
        "read_csv({}, {}{}, strict_mode = true, null_padding = false, max_line_size = {}, buffer_size = {}, "
        "encoding = '{}')",
        path, csv.reader_options, typed.empty() ? "" : ", columns = {" + typed + "}", options_.max_line_bytes,
        2 * options_.max_line_bytes, head.encoding);
  };
  std::string relation;
  if (format == "csv") relation = csv_relation({});
  // The Parquet file is written locally, then streamed to the bucket: data objects first.
  const std::string local = scratch_->File(fmt::format("{}-{}.parquet", request.name, NewJobId()));
  // While DuckDB writes the file for a local bucket, the scan's thread, once done, hashes what is
  // written and flushes it to disk (catalog::GrowingFile), so that storing it is quick.
  std::optional<catalog::GrowingFile> growing;
  bool followed = false;  // `growing` followed the file that is at `local` now (its errors are kept)
  auto remove_local = [&] {
    std::error_code ec;
    std::filesystem::remove(local, ec);
    followed = false;  // what `growing` hashed is gone
  };
  // However IngestFile ends, the scratch file goes with it (once stored it is gone already).
  struct RemoveOnExit {
    decltype(remove_local)& remove;
    ~RemoveOnExit() { remove(); }
  } remove_on_exit{remove_local};
  auto copy_from = [&](engine::Connection& writer, const std::string& select,
                       const std::string& from) -> Result<std::int64_t> {
    auto copied =
        QueryScalar(writer, fmt::format("COPY (SELECT {} FROM {}) TO {} (FORMAT parquet, COMPRESSION zstd)",
                                        select, from, QuoteSqlString(local)));
    if (!copied.ok()) {
      remove_local();
      return copied.status();
    }
    return copied->AsInt64().value_or(0);
  };

  auto previous = catalog_.Get(request.name);
  // The types the CSV's first bytes suggest. DuckDB writes the Parquet file with them while the
  // scan (hash, UTF-8 check, profile of every value) runs on another thread; the file is kept only
  // if the profile of the whole file decides the same types. A scan that fails, or finds the bytes
  // of the current version, stops the write.
  std::vector<ColumnReport> guessed;
  std::optional<Result<std::vector<engine::Column>>> csv_columns;  // kept for after the scan
  if (profiler) {
    csv_columns = Describe(connection, relation);
    if (csv_columns->ok() && (*csv_columns)->size() == csv.column_names.size())
      guessed = GuessColumns(request.path, *csv.dialect, **csv_columns);
  }
  auto scan = [&] {
    return ScanSource(request, format, head, options_.max_line_bytes, profiler ? &*profiler : nullptr);
  };
  Result<std::int64_t> guessed_rows = Status::Internal("no Parquet file was written while scanning");
  Result<std::string> scanned = Status::Internal("the file was not scanned");
  if (guessed.empty()) {
    scanned = scan();
  } else {
    LH_ASSIGN_OR_RETURN(auto writer, engine::Connection::Open(*database_));
    if (auto target = buckets_.Get(request.bucket); target.ok() && (*target)->adopts_files()) {
      growing.emplace(local);
      followed = true;
    }
    std::mutex writing_mutex;
    std::condition_variable written;
    bool writing = true;
    std::future<Result<std::string>> scanning;
    try {
      scanning = std::async(std::launch::async, [&] {
        auto sha = scan();
        std::unique_lock lock(writing_mutex);
        if (!sha.ok() || (previous.ok() && previous->content_hash == *sha)) {
          if (writing) writer.Interrupt();
          return sha;
        }
        while (growing && writing) {
          written.wait_for(lock, std::chrono::milliseconds(50));
          lock.unlock();
          Status advanced = growing->Advance();
          lock.lock();
          if (!advanced.ok()) break;  // storing the file reports it
        }
        return sha;
      });
    } catch (const std::system_error&) {
      // No thread to spare: scan first, as without a guess.
    }
    // DuckDB's CSV reader parses the typed columns itself (cheaper than casting text columns).
    if (scanning.valid()) guessed_rows = copy_from(writer, "*", csv_relation(guessed));
    {
      std::lock_guard lock(writing_mutex);
      writing = false;
    }
    written.notify_all();
    scanned = scanning.valid() ? scanning.get() : scan();
  }
  if (!scanned.ok()) return scanned.status();
  const std::string sha256 = *scanned;
  if (previous.ok() && previous->content_hash == sha256) {
    IngestResult same;
    same.unchanged = true;
    same.manifest = *previous;
    return same;
  }
  LH_ASSIGN_OR_RETURN(auto lease, catalog_.BeginVersion(request.name, request.bucket));
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(request.bucket));

  if (format == "json") {
    std::string reader = fmt::format("read_json({}, format = 'auto', maximum_object_size = {})", path,
                                     std::min<std::uint64_t>(options_.max_line_bytes, 1ULL << 30));
    auto columns = Describe(connection, reader);
    if (!columns.ok()) return ReaderError(columns.status(), format);
    std::string select;
    for (const auto& col : *columns) {
      std::string c = QuoteSqlIdentifier(col.name);
      std::string expr;
      if (col.type_name == "VARCHAR") {
        expr = c;
      } else if (col.type_name.find_first_of("[(") != std::string::npos ||
                 col.type_name.starts_with("STRUCT") || col.type_name.starts_with("MAP") ||
                 col.type_name == "JSON") {
        expr = fmt::format("CAST(to_json({}) AS VARCHAR)", c);
      } else {
        expr = fmt::format("CAST({} AS VARCHAR)", c);
      }
      select += fmt::format("{}{} AS {}", select.empty() ? "" : ", ", expr, c);
    }
    relation = fmt::format("(SELECT {} FROM {})", select, reader);
  } else if (format == "parquet") {
    relation = fmt::format("read_parquet({})", path);
  }
  auto described = csv_columns ? std::move(*csv_columns) : Describe(connection, relation);
  if (!described.ok()) return ReaderError(described.status(), format);
  if (described->empty()) return Status::InvalidArgument("the file has no columns");
  if (profiler && profiler->trusted() && profiler->columns().size() != described->size()) profiler.reset();

  auto copy = [&](const std::string& select) -> Result<std::int64_t> {
    return copy_from(connection, select, relation);
  };

  IngestResult result;
  std::int64_t rows = -1;
  if (profiler && profiler->trusted()) {
    if (profiler->records() == 0) {
      return Status::InvalidArgument("the file has a header but no rows; there is nothing to ingest");
    }
    bool as_guessed = guessed.size() == described->size() && guessed_rows.ok();
    for (std::size_t i = 0; i < described->size(); ++i) {
      result.columns.push_back(Decide((*described)[i].name, profiler->columns()[i]));
      as_guessed = as_guessed && guessed[i].type == result.columns.back().type;
    }
    // The profile is trusted only if DuckDB read what the profiler read: as many records, and in
    // every column as many values. Otherwise (or if DuckDB cannot parse a value as the profile's
    // type) the SQL profile decides.
    if (!as_guessed) remove_local();
    auto copied = as_guessed ? guessed_rows : copy_from(connection, "*", csv_relation(result.columns));
    if (copied.ok()) {
      std::vector<std::int64_t> values;
      for (const auto& profile : profiler->columns()) values.push_back(profile.count(kNonNull));
      Status same = SameValueCounts(connection, local, *copied, profiler->records(), values);
      if (same.ok()) {
        rows = *copied;
      } else {
        remove_local();
        log::Warn("ingest: the CSV profile disagrees with DuckDB's reading; profiling with DuckDB",
                  {{"dataset", request.name}, {"why", same.message()}});
      }
    } else {
      log::Info("ingest: writing with the CSV profile's types failed; profiling with DuckDB",
                {{"dataset", request.name}, {"error", copied.status().message()}});
    }
    if (rows < 0) result.columns.clear();
  }
  if (rows < 0) {
    std::string select;
    if (format == "parquet") {
      for (const auto& col : *described) result.columns.push_back({col.name, col.type_name, "", ""});
      select = "*";
    } else {
      std::string stats = "count(*)";
      for (const auto& col : *described) stats += ", " + ColumnProfile::Sql(QuoteSqlIdentifier(col.name));
      auto answer = connection.Query(fmt::format("SELECT {} FROM {}", stats, relation));
      if (!answer.ok()) return ReaderError(answer.status(), format);
      auto chunk = answer->Next();
      if (!chunk.ok()) return ReaderError(chunk.status(), format);
      if (!*chunk || (*chunk)->size() == 0) return Status::Internal("type inference returned no row");
      const auto& c = **chunk;
      if (c.GetValue(0, 0).AsInt64().value_or(0) == 0) {
        return Status::InvalidArgument("the file has a header but no rows; there is nothing to ingest");
      }
      for (std::size_t i = 0; i < described->size(); ++i) {
        result.columns.push_back(
            Decide((*described)[i].name, ColumnProfile::FromSqlRow(c, 1 + i * kProfileStatCount, 0)));
        select += (select.empty() ? "" : ", ") + CastExpression(result.columns.back());
      }
    }
    auto copied = copy(select);
    if (!copied.ok()) return ReaderError(copied.status(), format);
    rows = *copied;
  }
  std::string key = lease->prefix() + "part-0.parquet";
  auto uploaded = growing && followed ? catalog::MoveFileInto(*growing, *bucket, key)
                                      : catalog::MoveFileInto(local, *bucket, key);
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the dataset's Parquet file");
  FaultPoint("ingest.after_upload");

  catalog::DatasetManifest manifest;
  for (const auto& col : result.columns) manifest.schema.push_back({col.name, col.type});
  manifest.files.push_back({key, uploaded->size, rows, uploaded->sha256});
  manifest.content_hash = sha256;
  manifest.source_format = format;
  auto& md = manifest.metadata;
  if (previous.ok()) {
    md = previous->metadata;
    if (previous->primary_key &&
        std::any_of(manifest.schema.begin(), manifest.schema.end(),
                    [&](const catalog::ColumnSchema& c) { return c.name == *previous->primary_key; })) {
      manifest.primary_key = previous->primary_key;
    }
  }
  md.owner = request.owner;
  md.lineage.source_system = request.source_system;
  md.lineage.ingest_job = NewJobId();
  md.lineage.source_object = source_object;
  if (!request.parents.empty()) md.lineage.parents = request.parents;
  if (!request.description.empty()) md.description = request.description;
  if (!request.tags.empty()) md.tags = request.tags;
  if (!request.freshness_sla.empty()) md.freshness_sla = request.freshness_sla;
  md.pii_columns.clear();
  for (const auto& col : result.columns) {
    if (!col.pii.empty()) md.pii_columns.push_back(col.name);
  }
  if (!md.pii_columns.empty() && md.sensitivity < catalog::Sensitivity::kConfidential) {
    md.sensitivity = catalog::Sensitivity::kConfidential;
  }
  auto committed = catalog_.Commit(*lease, std::move(manifest));
  if (!committed.ok()) {
    // Nothing references the object: remove it now rather than leaving it to gc.
    (void)bucket->Delete(key);
    return committed.status();
  }
  result.manifest = std::move(committed).value();
  log::Info("dataset ingested", {{"dataset", request.name},
                                 {"version", result.manifest.version},
                                 {"rows", result.manifest.row_count},
                                 {"format", format}});
  return result;
}

Json Ingester::ResultToJson(const IngestResult& result) {
  Json columns = Json::array();
  for (const auto& c : result.columns) {
    Json entry = {{"name", c.name}, {"type", c.type}};
    if (!c.string_reason.empty()) entry["string_reason"] = c.string_reason;
    if (!c.pii.empty()) entry["pii"] = c.pii;
    columns.push_back(std::move(entry));
  }
  return {{"unchanged", result.unchanged},
          {"dataset", catalog::ManifestToJson(result.manifest)},
          {"columns", columns}};
}

}  // namespace lakehouse::ingest
