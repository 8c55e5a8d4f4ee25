// A writer for AppendLogTest's crash test: appends {"i":N} records with increasing N until it is
// killed, and after each Append that returned OK prints N on stdout so the parent knows how many
// were acknowledged. Usage:
//   append_log_crash_child local <dir> <flush_records>
//   append_log_crash_child s3 <endpoint> <remote_bucket> <flush_records>   (credentials: env
//   LAKEHOUSE_CRASH_CHILD_S3 = "ACCESS_KEY:SECRET_KEY")
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "storage/append_log.h"
#include "storage/local_object_store.h"
#include "storage/s3_object_store.h"
#include "storage/secrets_provider.h"

namespace {

int Fail(const lakehouse::Status& status) {
  std::fprintf(stderr, "append_log_crash_child: %s\n", status.ToString().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lakehouse;
  const std::string backend = argc > 1 ? argv[1] : "";
  std::unique_ptr<ObjectStore> store;
  std::size_t flush_records = 0;
  if (backend == "local" && argc == 4) {
    auto local = LocalObjectStore::Open("crash", argv[2]);
    if (!local.ok()) return Fail(local.status());
    store = std::move(local).value();
    flush_records = std::strtoul(argv[3], nullptr, 10);
  } else if (backend == "s3" && argc == 5) {
    EnvFileSecretsProvider secrets;
    auto credentials = secrets.Resolve("env:LAKEHOUSE_CRASH_CHILD_S3");
    if (!credentials.ok()) return Fail(credentials.status());
    S3Options options;
    options.endpoint = argv[2];
    options.bucket = argv[3];
    options.connect_timeout_ms = 2000;
    options.request_timeout_ms = 30000;
    auto s3 = S3ObjectStore::Open("crash", options, *credentials);
    if (!s3.ok()) return Fail(s3.status());
    store = std::move(s3).value();
    flush_records = std::strtoul(argv[4], nullptr, 10);
  } else {
    std::fprintf(stderr, "usage: append_log_crash_child local DIR N | s3 ENDPOINT BUCKET N\n");
    return 64;
  }

  AppendLogOptions options;
  options.prefix = "journal/";
  options.flush_records = flush_records;
  options.flush_interval = std::chrono::hours(1);  // only the record threshold flushes
  auto log = AppendLog::Open(*store, options);
  if (!log.ok()) return Fail(log.status());
  for (long i = 0;; ++i) {
    const std::string record = "{\"i\":" + std::to_string(i) + "}";
    if (lakehouse::Status appended = (*log)->Append(record); !appended.ok()) return Fail(appended);
    const std::string line = std::to_string(i) + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 3;
  }
}
