// POST /query's Arrow format: the IPC stream QueryService writes, decoded back with nanoarrow's
// own IPC reader (a real Arrow implementation, independent of the writer's encoding choices).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nanoarrow/nanoarrow.h"
#include "nanoarrow/nanoarrow_ipc.h"
#include "query/arrow_result_encoder.h"
#include "query/query_service.h"

namespace lakehouse::query {
namespace {

// A decoded Arrow IPC stream: its schema and record batches, or the reader's error.
class Decoded {
 public:
  explicit Decoded(const std::string& bytes) {
    ArrowBuffer buffer;
    ArrowBufferInit(&buffer);
    EXPECT_EQ(ArrowBufferAppend(&buffer, bytes.data(), static_cast<int64_t>(bytes.size())), NANOARROW_OK);
    ArrowIpcInputStream input;
    EXPECT_EQ(ArrowIpcInputStreamInitBuffer(&input, &buffer), NANOARROW_OK);  // takes the buffer
    ArrowArrayStream stream;
    EXPECT_EQ(ArrowIpcArrayStreamReaderInit(&stream, &input, nullptr), NANOARROW_OK);
    schema_.release = nullptr;
    if (stream.get_schema(&stream, &schema_) != NANOARROW_OK) {
      error_ = stream.get_last_error(&stream) ? stream.get_last_error(&stream) : "schema";
      stream.release(&stream);
      return;
    }
    for (;;) {
      ArrowArray array;
      if (stream.get_next(&stream, &array) != NANOARROW_OK) {
        const char* why = stream.get_last_error(&stream);
        error_ = why != nullptr && why[0] != '\0' ? why : "read failed";
        break;
      }
      if (array.release == nullptr) break;  // end of stream
      batches_.push_back(array);
    }
    stream.release(&stream);
  }
  ~Decoded() {
    for (ArrowArray& batch : batches_) batch.release(&batch);
    if (schema_.release != nullptr) schema_.release(&schema_);
  }
  Decoded(const Decoded&) = delete;
  Decoded& operator=(const Decoded&) = delete;

  const std::string& error() const { return error_; }
  const ArrowSchema& schema() const { return schema_; }
  std::vector<ArrowArray>& batches() { return batches_; }
  int64_t rows() const {
    int64_t n = 0;
    for (const ArrowArray& batch : batches_) n += batch.length;
    return n;
  }

 private:
  ArrowSchema schema_{};
  std::vector<ArrowArray> batches_;
  std::string error_;
};

struct ArrowRun {
  std::string bytes;
  std::optional<QueryError> error;  // from Start or from the stream
  std::size_t pieces = 0;
  std::size_t largest = 0;
};

ArrowRun RunArrow(QueryService& service, const std::string& sql) {
  ArrowRun run;
  auto started = service.Start({sql, ResultFormat::kArrow, std::nullopt});
  if (started.error) {
    run.error = started.error;
    return run;
  }
  EXPECT_EQ(started.stream->content_type(), kArrowStreamContentType);
  bool more = true;
  while (more) {
    std::string piece;
    more = started.stream->Read(piece, 64 * 1024);
    ++run.pieces;
    run.largest = std::max(run.largest, piece.size());
    run.bytes += piece;
  }
  if (started.stream->error()) run.error = *started.stream->error();
  return run;
}

QueryService Service() {
  QueryOptions options;
  options.sandbox.memory_limit = "1GB";
  return QueryService(options, NoTables());
}

TEST(ArrowResult, TypesValuesAndNullsSurviveTheRoundTrip) {
  QueryService service = Service();
  ArrowRun run =
      RunArrow(service,
               "SELECT * FROM (VALUES "
               "(1::INTEGER, 'Ada'::VARCHAR, 12.50::DECIMAL(12,2), TIMESTAMP '2024-03-01 12:00:00.5', "
               "DATE '2024-01-02', true, 1.5::DOUBLE, 9000000000::BIGINT), "
               "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
               "(3, 'Grace \u2603', -0.01, TIMESTAMP '1969-12-31 23:59:59', DATE '1970-01-01', false, "
               "-2.25, -1)) t(i, s, d, ts, dt, b, f, big) ORDER BY i NULLS LAST");
  ASSERT_FALSE(run.error) << run.error->status.ToString();
  Decoded decoded(run.bytes);
  ASSERT_EQ(decoded.error(), "");
  const ArrowSchema& schema = decoded.schema();
  ASSERT_EQ(schema.n_children, 8);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"i", "i"},    {"s", "u"}, {"d", "d:12,2"}, {"ts", "tsu:"},
      {"dt", "tdD"}, {"b", "b"}, {"f", "g"},      {"big", "l"}};
  for (int64_t c = 0; c < schema.n_children; ++c) {
    EXPECT_EQ(schema.children[c]->name, expected[static_cast<size_t>(c)].first);
    EXPECT_EQ(schema.children[c]->format, expected[static_cast<size_t>(c)].second) << "column " << c;
  }
  ASSERT_EQ(decoded.rows(), 3);
  ASSERT_EQ(decoded.batches().size(), 1u);

  ArrowArrayView view;
  ArrowError error{};
  ASSERT_EQ(ArrowArrayViewInitFromSchema(&view, &schema, &error), NANOARROW_OK) << error.message;
  ASSERT_EQ(ArrowArrayViewSetArray(&view, &decoded.batches()[0], &error), NANOARROW_OK) << error.message;
  ArrowArrayView* const* col = view.children;
  // Row 0: every type's value.
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[0], 0), 1);
  ArrowStringView ada = ArrowArrayViewGetStringUnsafe(col[1], 0);
  EXPECT_EQ(std::string(ada.data, static_cast<size_t>(ada.size_bytes)), "Ada");
  ArrowDecimal decimal;
  ArrowDecimalInit(&decimal, 128, 12, 2);
  ArrowArrayViewGetDecimalUnsafe(col[2], 0, &decimal);
  EXPECT_EQ(ArrowDecimalGetIntUnsafe(&decimal), 1250);                 // 12.50 at scale 2
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[3], 0), 1709294400500000);  // microseconds since the epoch
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[4], 0), 19724);             // days since the epoch
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[5], 0), 1);
  EXPECT_DOUBLE_EQ(ArrowArrayViewGetDoubleUnsafe(col[6], 0), 1.5);
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[7], 0), 9000000000);
  // Row 1: the other values, negative ones and a non-ASCII string included.
  ArrowStringView grace = ArrowArrayViewGetStringUnsafe(col[1], 1);
  EXPECT_EQ(std::string(grace.data, static_cast<size_t>(grace.size_bytes)), "Grace \u2603");
  ArrowArrayViewGetDecimalUnsafe(col[2], 1, &decimal);
  EXPECT_EQ(ArrowDecimalGetIntUnsafe(&decimal), -1);
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[3], 1), -1000000);
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[4], 1), 0);
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[5], 1), 0);
  EXPECT_EQ(ArrowArrayViewGetIntUnsafe(col[7], 1), -1);
  // Row 2: NULL in every column, and only there.
  for (int64_t c = 0; c < 8; ++c) {
    EXPECT_TRUE(ArrowArrayViewIsNull(col[c], 2)) << "column " << c;
    EXPECT_FALSE(ArrowArrayViewIsNull(col[c], 0)) << "column " << c;
  }
  ArrowArrayViewReset(&view);
}

// A million rows arrive as many record batches in bounded pieces, none of them the whole result.
TEST(ArrowResult, LargeResultsStreamBatchByBatch) {
  QueryService service = Service();
  ArrowRun run = RunArrow(service, "SELECT range AS id, 'row ' || range AS label FROM range(1000000)");
  ASSERT_FALSE(run.error) << run.error->status.ToString();
  EXPECT_GT(run.pieces, 100u);
  EXPECT_LT(run.largest, 64u * 1024 + 2048 * 64) << "a piece holds at most one batch beyond the request";
  Decoded decoded(run.bytes);
  ASSERT_EQ(decoded.error(), "");
  EXPECT_EQ(decoded.rows(), 1000000);
  EXPECT_GT(decoded.batches().size(), 400u);
  int64_t sum = 0;
  for (ArrowArray& batch : decoded.batches()) {
    ArrowArrayView view;
    ArrowError error{};
    ASSERT_EQ(ArrowArrayViewInitFromSchema(&view, &decoded.schema(), &error), NANOARROW_OK);
    ASSERT_EQ(ArrowArrayViewSetArray(&view, &batch, &error), NANOARROW_OK) << error.message;
    for (int64_t r = 0; r < batch.length; ++r) sum += ArrowArrayViewGetIntUnsafe(view.children[0], r);
    ArrowArrayViewReset(&view);
  }
  EXPECT_EQ(sum, int64_t{999999} * 1000000 / 2);
}

// No rows: a schema and the end-of-stream marker, which a reader accepts as an empty table.
TEST(ArrowResult, AnEmptyResultIsAValidStreamWithItsSchema) {
  QueryService service = Service();
  ArrowRun run = RunArrow(service, "SELECT 1::INTEGER AS x, 'a' AS y WHERE false");
  ASSERT_FALSE(run.error) << run.error->status.ToString();
  Decoded decoded(run.bytes);
  ASSERT_EQ(decoded.error(), "");
  EXPECT_EQ(decoded.schema().n_children, 2);
  EXPECT_EQ(decoded.rows(), 0);
}

// Garbage SQL fails before any byte (a JSON error, not a stream); a failure mid-stream leaves the
// stream without its end marker, which the reader reports instead of a silently short table.
TEST(ArrowResult, ErrorsAreNeverMistakenForACompleteStream) {
  QueryService service = Service();
  ArrowRun garbage = RunArrow(service, "SELEC nonsense FROM");
  ASSERT_TRUE(garbage.error);
  EXPECT_EQ(garbage.error->status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(garbage.bytes.empty());

  ArrowRun broken =
      RunArrow(service,
               "SELECT CASE WHEN range < 50000 THEN range ELSE error('boom at ' || range) END AS v "
               "FROM range(100000)");
  ASSERT_TRUE(broken.error);
  EXPECT_NE(broken.error->status.message().find("boom"), std::string::npos)
      << broken.error->status.ToString();
  Decoded decoded(broken.bytes);
  EXPECT_NE(decoded.error(), "") << "a cut-short stream must not read as complete";
  EXPECT_LT(decoded.rows(), 100000);
}

}  // namespace
}  // namespace lakehouse::query
