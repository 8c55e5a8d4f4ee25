#include "query/arrow_result_encoder.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "engine/arrow_export.h"
#include "nanoarrow/nanoarrow.h"
#include "nanoarrow/nanoarrow_ipc.h"

namespace lakehouse::query {
namespace {

class ArrowResultEncoder final : public ResultEncoder {
 public:
  ArrowResultEncoder() {
    ArrowBufferInit(&bytes_);
    schema_.release = nullptr;
    writer_.private_data = nullptr;
  }
  ~ArrowResultEncoder() override {
    if (writer_.private_data != nullptr) ArrowIpcWriterReset(&writer_);
    if (view_ready_) ArrowArrayViewReset(&view_);
    if (schema_.release != nullptr) schema_.release(&schema_);
    ArrowBufferReset(&bytes_);
  }
  ArrowResultEncoder(const ArrowResultEncoder&) = delete;
  ArrowResultEncoder& operator=(const ArrowResultEncoder&) = delete;

  std::string_view content_type() const override { return kArrowStreamContentType; }

  // Never called: QueryStream begins through BeginResult, which has the DuckDB result.
  void Begin(const std::vector<engine::Column>& /*columns*/, std::string& /*out*/) override {
    Broke(Status::Internal("the Arrow encoder needs the query result to begin"));
  }

  void BeginResult(const engine::QueryResult& result, std::string& out) override {
    auto exporter = engine::ArrowExport::For(result);
    if (!exporter.ok()) return Broke(exporter.status());
    export_ = std::move(exporter).value();
    if (Status schema = export_->Schema(&schema_); !schema.ok()) return Broke(schema);
    ArrowError error{};
    if (ArrowArrayViewInitFromSchema(&view_, &schema_, &error) != NANOARROW_OK)
      return Broke(Nano("schema", error));
    view_ready_ = true;
    ArrowIpcOutputStream stream{};
    if (ArrowIpcOutputStreamInitBuffer(&stream, &bytes_) != NANOARROW_OK) {
      return Broke(Status::Internal("cannot start the Arrow IPC output"));
    }
    if (ArrowIpcWriterInit(&writer_, &stream) != NANOARROW_OK) {
      stream.release(&stream);
      return Broke(Status::Internal("cannot start the Arrow IPC writer"));
    }
    if (ArrowIpcWriterWriteSchema(&writer_, &schema_, &error) != NANOARROW_OK)
      return Broke(Nano("schema", error));
    Drain(out);
  }

  void Rows(const engine::DataChunk& chunk, std::string& out) override {
    if (error_ || !export_) return;
    ArrowArray array{};
    if (Status converted = export_->Array(chunk, &array); !converted.ok()) return Broke(converted);
    ArrowError error{};
    const bool written = ArrowArrayViewSetArray(&view_, &array, &error) == NANOARROW_OK &&
                         ArrowIpcWriterWriteArrayView(&writer_, &view_, &error) == NANOARROW_OK;
    array.release(&array);
    if (!written) return Broke(Nano("record batch", error));
    Drain(out);
  }

  void End(std::uint64_t /*row_count*/, std::int64_t /*elapsed_ms*/, std::string& out) override {
    if (error_ || !export_) return;
    ArrowError error{};
    if (ArrowIpcWriterWriteArrayView(&writer_, nullptr, &error) != NANOARROW_OK) {
      return Broke(Nano("end of stream", error));
    }
    Drain(out);
  }

  // The stream format cannot carry an error: leave it without its end-of-stream marker.
  void Fail(const QueryError& /*error*/, std::string& /*out*/) override {}

  std::optional<QueryError> TakeError() override {
    auto error = std::move(error_);
    error_.reset();
    return error;
  }

 private:
  static Status Nano(const char* what, const ArrowError& error) {
    return Status::Internal(fmt::format("cannot write the Arrow IPC {}: {}", what, error.message));
  }
  void Broke(Status status) {
    if (!error_) error_ = QueryError{std::move(status), "", std::nullopt};
  }
  // Moves what the writer produced into `out`, so no more than one batch is held here.
  void Drain(std::string& out) {
    out.append(reinterpret_cast<const char*>(bytes_.data), static_cast<std::size_t>(bytes_.size_bytes));
    bytes_.size_bytes = 0;
  }

  std::unique_ptr<engine::ArrowExport> export_;
  ArrowSchema schema_{};
  ArrowArrayView view_{};
  bool view_ready_ = false;
  ArrowBuffer bytes_{};
  ArrowIpcWriter writer_{};
  std::optional<QueryError> error_;
};

}  // namespace

std::unique_ptr<ResultEncoder> NewArrowResultEncoder() { return std::make_unique<ArrowResultEncoder>(); }

}  // namespace lakehouse::query
