#include "ingest/csv_profiler.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lakehouse::ingest {

#if defined(__SSE2__)
namespace {

// Which of 16 bytes are the dialect's special bytes (delimiter, quote, LF, CR), as a bit mask.
class SpecialBytes16 {
 public:
  explicit SpecialBytes16(const CsvDialect& dialect)
      : delimiter_(_mm_set1_epi8(dialect.delimiter)),
        quote_(_mm_set1_epi8(dialect.quote)),
        lf_(_mm_set1_epi8('\n')),
        cr_(_mm_set1_epi8('\r')) {}

  std::uint32_t MaskAt(const char* at) const {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, delimiter_), _mm_cmpeq_epi8(v, quote_)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, lf_), _mm_cmpeq_epi8(v, cr_)));
    return static_cast<std::uint32_t>(_mm_movemask_epi8(hit));
  }

 private:
  __m128i delimiter_, quote_, lf_, cr_;
};

}  // namespace
#endif

CsvProfiler::CsvProfiler(const CsvDialect& dialect)
    : dialect_(dialect), columns_(dialect.columns), header_pending_(dialect.header) {
  for (char c : {dialect.delimiter, dialect.quote, '\n', '\r'})
    special_[static_cast<unsigned char>(c)] = true;
}

void CsvProfiler::EndField(std::string_view value) {
  if (!header_pending_ && field_ < columns_.size()) columns_[field_].Add(value);
  record_blank_ = field_ == 0 && value.empty() && !field_was_quoted_;
}

void CsvProfiler::EndRecord(char ending) {
  const std::size_t fields = field_ + 1;
  field_ = 0;
  state_ = State::kFieldStart;
  // DuckDB reads a file with one kind of line ending; a mix is a malformed file to it.
  if (ending != 0) {
    if (line_ending_ == 0) line_ending_ = ending;
    if (line_ending_ != ending) trusted_ = false;
  }
  // An empty line is skipped, except in a one-column file, where it is a NULL value.
  if (fields == 1 && record_blank_ && columns_.size() > 1) return;
  if (fields != columns_.size()) {
    trusted_ = false;
  } else if (header_pending_) {
    header_pending_ = false;
  } else {
    ++records_;
  }
}

void CsvProfiler::Terminate(char c) {
  if (c == dialect_.delimiter) {
    ++field_;
    state_ = State::kFieldStart;
  } else if (c == '\n') {
    EndRecord('n');
  } else {
    state_ = State::kAfterCr;  // CR alone or CR LF: the next byte tells
  }
}

std::size_t CsvProfiler::NextSpecial(std::string_view d, std::size_t i) const {
  const std::size_t n = d.size();
#if defined(__SSE2__)
  // 16 bytes at a time: most fields are shorter, so the first load usually finds the end.
  const SpecialBytes16 special(dialect_);
  for (; i + 16 <= n; i += 16) {
    const std::uint32_t mask = special.MaskAt(d.data() + i);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (i < n && !special_[static_cast<unsigned char>(d[i])]) ++i;
  return i;
}

std::size_t CsvProfiler::UnquotedRun(std::string_view d, std::size_t i) {
#if defined(__SSE2__)
  const std::size_t n = d.size();
  // The header record goes through the state machine (its values are not profiled).
  if (header_pending_ || field_ >= columns_.size() || i + 64 > n) return i;
  const __m128i delimiter = _mm_set1_epi8(dialect_.delimiter), quote = _mm_set1_epi8(dialect_.quote),
                lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  // Bit masks of 64 bytes: where fields end (delimiter, LF), and where the state machine must take
  // over (a quote, a CR).
  std::uint64_t ends = 0, lfs = 0, stops = 0;
  auto masks_at = [&](std::size_t at) {
    ends = lfs = stops = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d.data() + at + 16 * k));
      const auto line = static_cast<std::uint64_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)));
      const auto field = static_cast<std::uint64_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, delimiter)));
      const auto stop = static_cast<std::uint64_t>(
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr))));
      lfs |= line << (16 * k);
      stops |= stop << (16 * k);
      ends |= (line | field | stop) << (16 * k);
    }
  };
  // The position in the record and the record count live in registers here (the profiles' counts
  // are integers too, which the compiler would otherwise have to assume they alias).
  const std::size_t columns = columns_.size();
  ColumnProfile* const profiles = columns_.data();
  const char* const data = d.data();
  std::size_t field = field_;
  std::int64_t records = records_;
  auto leave = [&](std::size_t at) {
    field_ = field;
    records_ = records;
    return at;
  };
  std::size_t base = i;
  masks_at(base);
  while (true) {
    while (ends == 0) {
      base += 64;
      if (base + 64 > n) return leave(i);  // the rest goes byte by byte
      masks_at(base);
    }
    const std::uint64_t bit = ends & (~ends + 1);
    const std::size_t end = base + static_cast<std::size_t>(__builtin_ctzll(ends));
    ends ^= bit;
    const std::string_view value(data + i, end - i);
    if ((bit & stops) != 0) {
      // A quote (a quoted field, or one where none may be) or a CR: the state machine goes on from
      // the field's start, or from after the CR.
      leave(i);
      if (d[end] == dialect_.quote) return i;
      field_was_quoted_ = false;
      EndField(value);
      Terminate('\r');
      return end + 1;
    }
    if (value.empty()) {
      // NULL: nothing to count
    } else if (i + 16 <= n) {
      profiles[field].AddPadded(value);
    } else {
      profiles[field].Add(value);
    }
    i = end + 1;
    if ((bit & lfs) == 0) {
      // Another field: a record with more than `columns` is one DuckDB refuses.
      if (++field == columns) {
        trusted_ = false;
        return leave(i);
      }
    } else if (field + 1 == columns && line_ending_ == 'n') {
      ++records;
      field = 0;
    } else {
      // A short record, a blank line or the first line ending: EndRecord decides.
      leave(i);
      field_was_quoted_ = false;
      record_blank_ = field == 0 && value.empty();
      EndRecord('n');
      if (!trusted_) return i;
      field = field_;
      records = records_;
    }
  }
#else
  return i;
#endif
}

void CsvProfiler::Feed(std::string_view d) {
  std::size_t i = 0;
  if (at_file_start_) {
    at_file_start_ = false;
    if (d.starts_with("\xEF\xBB\xBF")) i = 3;
  }
  const std::size_t n = d.size();
  std::size_t start = 0;  // where the current unquoted field began in `d`
  while (i < n && trusted_) {
    // The common case first: unquoted fields that end within `d`, one after another.
    if (state_ == State::kFieldStart) i = UnquotedRun(d, i);
    if (i >= n) break;
    switch (state_) {
      case State::kFieldStart:
        pending_.clear();
        if (d[i] == dialect_.quote) {
          field_was_quoted_ = true;
          state_ = State::kQuoted;
          ++i;
          break;
        }
        field_was_quoted_ = false;
        unquoted_in_pending_ = false;
        state_ = State::kUnquoted;
        start = i;
        [[fallthrough]];
      case State::kUnquoted: {
        const std::size_t from = unquoted_in_pending_ ? i : start;
        i = NextSpecial(d, i);
        if (i == n) {  // the field goes on in the next piece
          pending_.append(d.substr(from, i - from));
          unquoted_in_pending_ = true;
          break;
        }
        const char c = d[i];
        if (c == dialect_.quote) {  // a quote inside an unquoted field: DuckDB's strict mode refuses it
          trusted_ = false;
          break;
        }
        if (unquoted_in_pending_) {
          pending_.append(d.substr(from, i - from));
          EndField(pending_);
        } else {
          EndField(d.substr(start, i - start));
        }
        unquoted_in_pending_ = false;
        Terminate(c);
        ++i;
        break;
      }
      case State::kQuoted: {
        const std::size_t from = i;
        while (i < n && d[i] != dialect_.quote && d[i] != dialect_.escape) ++i;
        pending_.append(d.substr(from, i - from));
        if (i == n) break;
        if (d[i] == dialect_.escape) {
          state_ = dialect_.escape == dialect_.quote ? State::kQuoteInQuoted : State::kEscapeInQuoted;
        } else {
          state_ = State::kAfterQuoted;
        }
        ++i;
        break;
      }
      case State::kQuoteInQuoted:  // a quote in a quoted field: doubled, or the closing one
        if (d[i] == dialect_.quote) {
          pending_ += d[i];
          ++i;
          state_ = State::kQuoted;
        } else {
          state_ = State::kAfterQuoted;
        }
        break;
      case State::kEscapeInQuoted:
        pending_ += d[i];
        ++i;
        state_ = State::kQuoted;
        break;
      case State::kAfterQuoted: {
        const char c = d[i];
        if (c != dialect_.delimiter && c != '\n' && c != '\r') {
          trusted_ = false;  // text after a closing quote
          break;
        }
        EndField(pending_);
        Terminate(c);
        ++i;
        break;
      }
      case State::kAfterCr:
        if (d[i] == '\n') {
          ++i;
          EndRecord('R');
        } else {
          EndRecord('r');
        }
        break;
    }
  }
}

void CsvProfiler::Finish() {
  if (!trusted_) return;
  switch (state_) {
    case State::kFieldStart:
      if (field_ > 0) {  // the last line ends with a delimiter: one more, empty field
        field_was_quoted_ = false;
        EndField("");
        EndRecord(0);
      }
      break;
    case State::kUnquoted:
      EndField(pending_);
      EndRecord(0);
      break;
    case State::kQuoteInQuoted:
    case State::kAfterQuoted:
      EndField(pending_);
      EndRecord(0);
      break;
    case State::kQuoted:
    case State::kEscapeInQuoted:
      trusted_ = false;  // the file ends inside a quoted field
      break;
    case State::kAfterCr: EndRecord('r'); break;
  }
}

}  // namespace lakehouse::ingest
