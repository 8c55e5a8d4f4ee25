#include "common/log.h"

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

namespace lakehouse::log {
namespace {

struct State {
  std::atomic<int> level{static_cast<int>(Level::kInfo)};
  std::atomic<bool> json{true};
  std::mutex mu;  // guards `async` and direct writes
  std::shared_ptr<spdlog::logger> async;
};

State& GetState() {
  static State* state = new State();  // never destroyed: logging may happen during static teardown
  return *state;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1'000'000);
}

std::string FormatLine(Level level, std::string_view msg, const Json& fields, bool json) {
  if (json) {
    Json line = Json::object();
    line["ts"] = Timestamp();
    line["level"] = LevelName(level);
    line["msg"] = msg;
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) line[k] = v;
    }
    return ToJsonText(line);
  }
  std::string line = fmt::format("{} {:5} {}", Timestamp(), LevelName(level), msg);
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) {
      line += fmt::format(" {}={}", k, v.is_string() ? v.get<std::string>() : ToJsonText(v));
    }
  }
  return line;
}

}  // namespace

Status Configure(const LogOptions& options) {
  Level level;
  if (options.level == "trace")
    level = Level::kTrace;
  else if (options.level == "debug")
    level = Level::kDebug;
  else if (options.level == "info")
    level = Level::kInfo;
  else if (options.level == "warn")
    level = Level::kWarn;
  else if (options.level == "error")
    level = Level::kError;
  else if (options.level == "off")
    level = Level::kOff;
  else
    return Status::InvalidArgument(
        fmt::format("log level '{}' is not one of trace, debug, info, warn, error, off", options.level));
  if (options.format != "json" && options.format != "text") {
    return Status::InvalidArgument(fmt::format("log format '{}' is not one of json, text", options.format));
  }
  State& state = GetState();
  state.level = static_cast<int>(level);
  state.json = options.format == "json";
  std::lock_guard lock(state.mu);
  if (!state.async) {
    try {
      spdlog::init_thread_pool(16384, 1);
      auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      auto logger = std::make_shared<spdlog::async_logger>("lakehouse", sink, spdlog::thread_pool(),
                                                           spdlog::async_overflow_policy::block);
      logger->set_pattern("%v");
      logger->set_level(spdlog::level::trace);
      logger->flush_on(spdlog::level::trace);
      state.async = std::move(logger);
    } catch (const spdlog::spdlog_ex& err) {
      return Status::Internal(fmt::format("could not start the log writer: {}", err.what()));
    }
  }
  return Status::OK();
}

bool Enabled(Level level) {
  return level != Level::kOff && static_cast<int>(level) >= GetState().level.load(std::memory_order_relaxed);
}

void Write(Level level, std::string_view msg, const Json& fields) {
  if (!Enabled(level)) return;
  State& state = GetState();
  std::string line = FormatLine(level, msg, fields, state.json.load(std::memory_order_relaxed));
  std::shared_ptr<spdlog::logger> async;
  {
    std::lock_guard lock(state.mu);
    async = state.async;
    if (!async) {
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
      return;
    }
  }
  async->info(line);
}

void Shutdown() {
  State& state = GetState();
  std::lock_guard lock(state.mu);
  if (!state.async) return;
  state.async->flush();
  state.async.reset();
  spdlog::shutdown();  // joins the writer after it drains the queue
}

}  // namespace lakehouse::log
