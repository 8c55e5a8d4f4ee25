// Structured logging: one JSON object a line on stderr (or key=value text), written by a
// background thread so request threads never wait on the terminal or a pipe.
//
// Thread-safe. Before Configure() is called, messages at info and above go to stderr in JSON.
#pragma once

#include <string_view>

#include "common/config.h"
#include "common/json.h"
#include "common/status.h"

namespace lakehouse::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

//! Applies [log] options. Returns InvalidArgument for an unknown level or format.
Status Configure(const LogOptions& options);

//! True if a message at `level` would be written; check before building costly fields.
bool Enabled(Level level);

//! Writes one line: {"ts", "level", "msg", ...fields}. `fields` must be a JSON object (or null).
void Write(Level level, std::string_view msg, const Json& fields = Json());

//! Drains every queued line to stderr and stops the background writer; lines written after
//! this go to stderr directly. Call once at process exit.
void Shutdown();

inline void Debug(std::string_view msg, const Json& fields = Json()) { Write(Level::kDebug, msg, fields); }
inline void Info(std::string_view msg, const Json& fields = Json()) { Write(Level::kInfo, msg, fields); }
inline void Warn(std::string_view msg, const Json& fields = Json()) { Write(Level::kWarn, msg, fields); }
inline void Error(std::string_view msg, const Json& fields = Json()) { Write(Level::kError, msg, fields); }

}  // namespace lakehouse::log
