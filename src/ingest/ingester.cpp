#include "ingest/ingester.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "catalog/file_transfer.h"
#include "common/fault_point.h"
#include "common/log.h"
#include "common/sha256.h"
#include "engine/connection.h"
#include "engine/sql_text.h"
#include "storage/object_key.h"

namespace lakehouse::ingest {
namespace {

using engine::QuoteSqlIdentifier;
using engine::QuoteSqlString;

constexpr std::size_t kReadChunk = 4 << 20;

// What one pass over the source bytes found.
struct ScanResult {
  std::uint64_t size = 0;
  std::string sha256;
  std::string encoding = "utf-8";  // for read_csv
  std::string first_line;          // up to 64 KiB, for checking the sniffed CSV dialect
};

// Reads the file once: hashes it and, for text formats, checks that it is UTF-8 text with
// lines of sane length, naming the line and column of the first problem.
Result<ScanResult> ScanSource(const IngestRequest& request, const std::string& format,
                              std::uint64_t max_line) {
  std::error_code ec;
  auto total = std::filesystem::file_size(request.path, ec);
  if (ec) return Status::InvalidArgument(fmt::format("cannot read {}: {}", request.path, ec.message()));
  if (total == 0) return Status::InvalidArgument("the file is empty; there is nothing to ingest");
  std::ifstream in(request.path, std::ios::binary);
  if (!in)
    return Status::InvalidArgument(fmt::format("cannot read {}: {}", request.path, std::strerror(errno)));

  ScanResult scan;
  scan.size = total;
  Sha256 hash;
  const bool text = format != "parquet";
  bool check_utf8 = text;
  std::uint64_t line = 1, column = 1, line_bytes = 0, offset = 0;
  int continuation = 0;  // UTF-8 continuation bytes still expected
  std::string head, tail;
  std::vector<char> buffer(kReadChunk);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    std::string_view piece(buffer.data(), got);
    hash.Update(piece);
    if (offset == 0) {
      head = std::string(piece.substr(0, 4));
      scan.first_line = std::string(piece.substr(0, std::min<std::size_t>(piece.find('\n'), 64 << 10)));
      if (text && head.size() >= 2 &&
          ((head[0] == '\xFF' && head[1] == '\xFE') || (head[0] == '\xFE' && head[1] == '\xFF'))) {
        scan.encoding = "utf-16";
        check_utf8 = false;
      }
    }
    tail = (tail + std::string(piece.substr(piece.size() > 4 ? piece.size() - 4 : 0)));
    if (tail.size() > 4) tail = tail.substr(tail.size() - 4);
    if (check_utf8) {
      for (std::size_t i = 0; i < got; ++i) {
        auto byte = static_cast<unsigned char>(piece[i]);
        if (continuation > 0) {
          if ((byte & 0xC0) != 0x80) {
            return Status::InvalidArgument(
                fmt::format("invalid UTF-8 at line {}, column {} (byte {}): a multi-byte character is cut "
                            "short; save the file "
                            "as UTF-8 and retry",
                            line, column, offset + i));
          }
          --continuation;
          if (continuation == 0) ++column;
          ++line_bytes;
          continue;
        }
        if (byte == '\n') {
          ++line;
          column = 1;
          line_bytes = 0;
          continue;
        }
        if (byte == 0) {
          return Status::InvalidArgument(fmt::format(
              "line {}, column {} holds a NUL byte: this looks like a binary file, not {} text; check "
              "that you sent the right file",
              line, column, format == "csv" ? "CSV" : "JSON"));
        }
        if (byte < 0x80) {
          ++column;
        } else if (byte >= 0xC2 && byte <= 0xDF) {
          continuation = 1;
        } else if (byte >= 0xE0 && byte <= 0xEF) {
          continuation = 2;
        } else if (byte >= 0xF0 && byte <= 0xF4) {
          continuation = 3;
        } else {
          return Status::InvalidArgument(
              fmt::format("invalid UTF-8 at line {}, column {} (byte {}): byte 0x{:02X} cannot start a "
                          "character; save the file "
                          "as UTF-8 and retry",
                          line, column, offset + i, byte));
        }
        if (++line_bytes > max_line) {
          return Status::InvalidArgument(
              fmt::format("line {} is longer than {} bytes (a single field or record that large is not "
                          "accepted); split the "
                          "field or check the file",
                          line, max_line));
        }
      }
    }
    offset += got;
    if (request.progress) request.progress(offset, total);
  }
  if (in.bad()) return Status::IOError(fmt::format("reading {} failed part way", request.path));
  if (check_utf8 && continuation > 0) {
    return Status::InvalidArgument(fmt::format(
        "invalid UTF-8 at line {}, column {}: the file ends inside a multi-byte character (truncated?)", line,
        column));
  }
  if (format == "parquet" && (head != "PAR1" || tail != "PAR1")) {
    return Status::InvalidArgument(
        "the file is not a complete Parquet file (it must start and end with 'PAR1'); it may be truncated or "
        "of "
        "another format");
  }
  scan.sha256 = hash.HexDigest();
  return scan;
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

constexpr const char* kIntegerRe = R"(-?(0|[1-9][0-9]{0,14}))";
constexpr const char* kNumberRe = R"(-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?)";
constexpr const char* kLeadingZeroRe = R"(-?0[0-9]+(\.[0-9]+)?)";
constexpr const char* kLongDigitsRe = R"(-?[0-9]{16,}(\.[0-9]+)?)";
constexpr const char* kDateRe = R"([0-9]{4}-[0-9]{2}-[0-9]{2})";
constexpr const char* kTimestampRe =
    R"([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)";
constexpr const char* kPhoneRe = R"(\+?[0-9]{0,3}[ .-]?(\([0-9]{2,4}\)[ .-]?)?[0-9]{3,4}[ .-][0-9]{4})";
constexpr const char* kEmailRe = R"([^@\s]+@[^@\s]+\.[^@\s]+)";
constexpr const char* kNationalIdRe = R"([0-9]{3}-[0-9]{2}-[0-9]{4})";

// The aggregates computed for each text column, in this order.
enum Stat {
  kNonNull,
  kIntegers,
  kNumbers,
  kBooleans,
  kDates,
  kTimestamps,
  kLeadingZeros,
  kLongDigits,
  kPhones,
  kEmails,
  kNationalIds,
  kTextExample,
  kLeadingZeroExample,
  kPhoneExample,
  kLongExample,
  kStatCount
};

std::string StatsSql(const std::string& c) {
  auto count_if = [&](const std::string& cond) { return fmt::format("count(*) FILTER (WHERE {})", cond); };
  auto match = [&](const char* re) {
    return fmt::format("regexp_full_match({}, {})", c, QuoteSqlString(re));
  };
  std::vector<std::string> parts(kStatCount);
  parts[kNonNull] = fmt::format("count({})", c);
  parts[kIntegers] = count_if(match(kIntegerRe));
  parts[kNumbers] = count_if(match(kNumberRe));
  parts[kBooleans] = count_if(fmt::format("lower({}) IN ('true', 'false')", c));
  parts[kDates] = count_if(fmt::format("{} AND try_cast({} AS DATE) IS NOT NULL", match(kDateRe), c));
  parts[kTimestamps] =
      count_if(fmt::format("{} AND try_cast({} AS TIMESTAMP) IS NOT NULL", match(kTimestampRe), c));
  parts[kLeadingZeros] = count_if(match(kLeadingZeroRe));
  parts[kLongDigits] = count_if(match(kLongDigitsRe));
  parts[kPhones] = count_if(match(kPhoneRe));
  parts[kEmails] = count_if(match(kEmailRe));
  parts[kNationalIds] = count_if(match(kNationalIdRe));
  parts[kTextExample] = fmt::format(
      "any_value({0}) FILTER (WHERE NOT {1} AND lower({0}) NOT IN ('true', 'false') "
      "AND NOT {2} AND NOT {3})",
      c, match(kNumberRe), match(kDateRe), match(kTimestampRe));
  parts[kLeadingZeroExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kLeadingZeroRe));
  parts[kPhoneExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kPhoneRe));
  parts[kLongExample] = fmt::format("any_value({}) FILTER (WHERE {})", c, match(kLongDigitsRe));
  std::string sql;
  for (const auto& p : parts) sql += (sql.empty() ? "" : ", ") + p;
  return sql;
}

struct ColumnStats {
  std::int64_t n[kStatCount] = {};
  std::string example[kStatCount];
};

// Decides a text column's type from its statistics; see the header comment for the rules.
ColumnReport Decide(const std::string& name, const ColumnStats& s) {
  ColumnReport report{name, "VARCHAR", "", ""};
  const std::int64_t n = s.n[kNonNull];
  auto pct = [&](Stat stat) { return n > 0 && s.n[stat] * 2 >= n; };
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
  if (s.n[kBooleans] == n)
    candidate = "BOOLEAN";
  else if (s.n[kIntegers] == n)
    candidate = "BIGINT";
  else if (s.n[kNumbers] == n)
    candidate = "DOUBLE";
  else if (s.n[kDates] == n)
    candidate = "DATE";
  else if (s.n[kTimestamps] == n)
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
  const std::int64_t numeric_like = s.n[kNumbers] + s.n[kLeadingZeros] + s.n[kLongDigits];
  if (s.n[kLeadingZeros] > 0 && numeric_like == n) {
    report.string_reason = fmt::format(
        "values with leading zeros (e.g. \"{}\") carry meaning in their text; as numbers they would lose the "
        "zeros",
        s.example[kLeadingZeroExample]);
  } else if (s.n[kLongDigits] > 0 && numeric_like == n) {
    report.string_reason = fmt::format(
        "values with 16 or more digits (e.g. \"{}\") are identifiers; a number could not keep them exact",
        s.example[kLongExample]);
  } else if (s.n[kPhones] > 0 && s.n[kPhones] + numeric_like >= n) {
    report.string_reason =
        fmt::format("phone numbers (e.g. \"{}\") stay exactly as written", s.example[kPhoneExample]);
  } else if (numeric_like > 0 || s.n[kDates] > 0 || s.n[kTimestamps] > 0 || s.n[kBooleans] > 0) {
    report.string_reason = fmt::format(
        "ambiguous: {} of {} values look like numbers, dates or booleans, but e.g. \"{}\" does not; the "
        "column "
        "defaults to string",
        std::max({numeric_like, s.n[kDates], s.n[kTimestamps], s.n[kBooleans]}), n, s.example[kTextExample]);
  } else {
    report.string_reason = fmt::format("the values are text (e.g. \"{}\")", s.example[kTextExample]);
  }
  return report;
}

std::string CastExpression(const ColumnReport& column) {
  std::string c = QuoteSqlIdentifier(column.name);
  if (column.type == "VARCHAR") return c;
  return fmt::format("CAST({} AS {}) AS {}", c, column.type, c);
}

// The CSV dialect to read with. DuckDB's sniffer gives up on files with ragged rows or an
// unterminated quote and reads them as one text column, which would hide the problem; so a
// delimiter the header line does not contain is replaced by the most frequent common one, and
// quoting is RFC 4180 ('"', doubled to escape) unless the sniffer found another quote.
Result<std::string> CsvDialect(engine::Connection& connection, const std::string& path,
                               const ScanResult& scan) {
  // UTF-16 text cannot be split here byte-wise; DuckDB's sniffer reads it on its own.
  if (scan.encoding != "utf-8") return std::string("all_varchar = true");
  std::string delimiter = ",", quote = "\"", escape = "\"", header = "true";
  auto sniffed = connection.Query(fmt::format(
      "SELECT Delimiter, Quote, Escape, HasHeader FROM sniff_csv({}, encoding = '{}', sample_size = 20480)",
      QuoteSqlString(path), scan.encoding));
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
  if (scan.encoding == "utf-8" &&
      (delimiter.empty() || scan.first_line.find(delimiter) == std::string::npos)) {
    std::size_t best = 0;
    for (const char* candidate : {",", ";", "\t", "|"}) {
      auto n =
          static_cast<std::size_t>(std::count(scan.first_line.begin(), scan.first_line.end(), candidate[0]));
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
  std::string line = scan.first_line;
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
  std::string columns;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name = header == "true" && !fields[i].empty() ? fields[i] : fmt::format("column{}", i);
    for (int n = 1; seen.contains(name); ++n)
      name = fmt::format("{}_{}", header == "true" ? fields[i] : "column", n);
    seen.insert(name);
    columns += fmt::format("{}{}: 'VARCHAR'", columns.empty() ? "" : ", ", QuoteSqlString(name));
  }
  return fmt::format(
      "auto_detect = false, delim = {}, quote = {}, escape = {}, header = {}, columns = {{{}}}",
      QuoteSqlString(delimiter), QuoteSqlString(quote), QuoteSqlString(escape), header, columns);
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
  engine::DatabaseOptions db = options.engine;
  db.path.clear();
  auto database = engine::Database::Open(db);
  if (!database.ok()) return database.status().WithContext("cannot start the ingest engine");
  LH_ASSIGN_OR_RETURN(auto scratch, catalog::ScratchDirectory::Create(options.scratch_dir, "ingest"));
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
  LH_ASSIGN_OR_RETURN(ScanResult scan, ScanSource(request, format, options_.max_line_bytes));

  auto previous = catalog_.Get(request.name);
  if (previous.ok() && previous->content_hash == scan.sha256) {
    IngestResult same;
    same.unchanged = true;
    same.manifest = *previous;
    return same;
  }
  LH_ASSIGN_OR_RETURN(auto lease, catalog_.BeginVersion(request.name, request.bucket));
  LH_ASSIGN_OR_RETURN(ObjectStore * bucket, buckets_.Get(request.bucket));
  LH_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database_));

  // Every source becomes a relation of text columns (CSV, JSON) or typed columns (Parquet).
  const std::string path = QuoteSqlString(request.path);
  std::string relation;
  if (format == "csv") {
    LH_ASSIGN_OR_RETURN(std::string dialect, CsvDialect(connection, request.path, scan));
    relation = fmt::format(
        "read_csv({}, {}, strict_mode = true, null_padding = false, max_line_size = {}, encoding = '{}')",
        path, dialect, options_.max_line_bytes, scan.encoding);
  } else if (format == "json") {
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
  } else {
    relation = fmt::format("read_parquet({})", path);
  }
  auto described = Describe(connection, relation);
  if (!described.ok()) return ReaderError(described.status(), format);
  if (described->empty()) return Status::InvalidArgument("the file has no columns");

  IngestResult result;
  std::string select;
  std::int64_t rows = 0;
  if (format == "parquet") {
    for (const auto& col : *described) result.columns.push_back({col.name, col.type_name, "", ""});
    select = "*";
  } else {
    std::string stats = "count(*)";
    for (const auto& col : *described) stats += ", " + StatsSql(QuoteSqlIdentifier(col.name));
    auto answer = connection.Query(fmt::format("SELECT {} FROM {}", stats, relation));
    if (!answer.ok()) return ReaderError(answer.status(), format);
    auto chunk = answer->Next();
    if (!chunk.ok()) return ReaderError(chunk.status(), format);
    if (!*chunk || (*chunk)->size() == 0) return Status::Internal("type inference returned no row");
    const auto& c = **chunk;
    rows = c.GetValue(0, 0).AsInt64().value_or(0);
    for (std::size_t i = 0; i < described->size(); ++i) {
      ColumnStats s;
      for (std::size_t k = 0; k < kStatCount; ++k) {
        auto value = c.GetValue(1 + i * kStatCount + k, 0);
        if (k >= kTextExample) {
          s.example[k] = value.IsNull() ? "" : std::string(value.AsString().value_or(""));
        } else {
          s.n[k] = value.AsInt64().value_or(0);
        }
      }
      result.columns.push_back(Decide((*described)[i].name, s));
      select += (select.empty() ? "" : ", ") + CastExpression(result.columns.back());
    }
    if (rows == 0) {
      return Status::InvalidArgument("the file has a header but no rows; there is nothing to ingest");
    }
  }

  // Write the Parquet file locally, then stream it to the bucket: data objects first.
  std::string local = scratch_->File(fmt::format("{}-v{}.parquet", request.name, lease->version()));
  auto copied =
      QueryScalar(connection, fmt::format("COPY (SELECT {} FROM {}) TO {} (FORMAT parquet, COMPRESSION zstd)",
                                          select, relation, QuoteSqlString(local)));
  auto remove_local = [&] {
    std::error_code ec;
    std::filesystem::remove(local, ec);
  };
  if (!copied.ok()) {
    remove_local();
    return ReaderError(copied.status(), format);
  }
  rows = copied->AsInt64().value_or(rows);
  std::string key = lease->prefix() + "part-0.parquet";
  auto uploaded = catalog::UploadFile(local, *bucket, key);
  remove_local();
  if (!uploaded.ok()) return uploaded.status().WithContext("cannot store the dataset's Parquet file");
  FaultPoint("ingest.after_upload");

  catalog::DatasetManifest manifest;
  for (const auto& col : result.columns) manifest.schema.push_back({col.name, col.type});
  manifest.files.push_back({key, uploaded->size, rows, uploaded->sha256});
  manifest.content_hash = scan.sha256;
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
