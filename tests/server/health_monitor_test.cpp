#include "server/health_monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace lakehouse::server {
namespace {

TEST(HealthMonitor, AggregatesTheWorstServiceStatus) {
  std::atomic<bool> broken{false};
  HealthMonitor monitor(std::chrono::milliseconds(20));
  monitor.AddService("storage", [] { return ServiceHealth{}; });
  monitor.AddService("query", [&] {
    if (broken) throw std::runtime_error("engine gone");
    return ServiceHealth{};
  });
  monitor.Start();
  EXPECT_EQ(monitor.Overall()->http_status, 200);
  EXPECT_EQ(ParseJson(monitor.Overall()->body)->at("status"), "ok");

  broken = true;
  for (int i = 0; i < 200 && monitor.Overall()->http_status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto overall = ParseJson(monitor.Overall()->body);
  EXPECT_EQ(monitor.Overall()->http_status, 503);
  EXPECT_EQ(overall->at("status"), "down");
  EXPECT_EQ(overall->at("services").at("query").at("error"), "engine gone");
  EXPECT_EQ(overall->at("services").at("storage").at("status"), "ok");
  EXPECT_EQ(monitor.Service("query")->http_status, 503);
  EXPECT_EQ(monitor.Service("nope"), nullptr);
  monitor.Stop();
}

}  // namespace
}  // namespace lakehouse::server
