#include "common/fault_point.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace lakehouse {

void FaultPoint(std::string_view name) {
  static const std::string armed = [] {
    const char* value = std::getenv("LAKEHOUSE_FAULT_POINT");
    return std::string(value ? value : "");
  }();
  if (armed.empty() || armed != name) return;
  // Say where we died (stderr is unbuffered), then die without any cleanup.
  const std::string line = "lakehouse: fault point '" + armed + "' reached; exiting\n";
  [[maybe_unused]] auto written = write(2, line.data(), line.size());
  _exit(kFaultPointExitCode);
}

}  // namespace lakehouse
