// FaultPoint: named places where a crash can be injected, to prove crash safety.
//
// When the environment variable LAKEHOUSE_FAULT_POINT equals a point's name as the process
// reaches it, the process ends at once with _exit(86) -- no destructors, no flushing, as if it
// had been killed there. Points are named "{area}.{step}", e.g. "delta.after_upload". The
// variable is read once; with it unset a point costs one comparison.
//
// Thread-safe.
#pragma once

#include <string_view>

namespace lakehouse {

//! The exit code of a process ended by a fault point.
inline constexpr int kFaultPointExitCode = 86;

//! Ends the process if LAKEHOUSE_FAULT_POINT names `name`; otherwise does nothing.
void FaultPoint(std::string_view name);

}  // namespace lakehouse
