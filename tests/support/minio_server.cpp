#include "support/minio_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <system_error>

namespace lakehouse::testing {
namespace {

std::string RandomToken(size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (size_t i = 0; i < length; ++i) out += kAlphabet[pick(device)];
  return out;
}

}  // namespace

std::string MinioBinary() { return LAKEHOUSE_MINIO_BINARY; }

MinioServer::MinioServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "lakehouse-minio-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  credentials_.access_key = "lh" + RandomToken(14);
  credentials_.secret_key = RandomToken(32);
  port_ = FreeLoopbackPort();
  if (port_ == 0) {
    error_ = "no free loopback port";
    return;
  }
  Start();
}

MinioServer::~MinioServer() {
  process_.Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string MinioServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool MinioServer::Start() {
  ServiceSpec spec;
  spec.name = "MinIO";
  spec.argv = {MinioBinary(), "server", "--quiet", "--address", "127.0.0.1:" + std::to_string(port_),
               dir_ + "/data"};
  // Our environment minus any MINIO_* settings, plus the server's own.
  spec.env = ChildEnvironment(
      {"MINIO_"}, {"MINIO_ROOT_USER=" + credentials_.access_key,
                   "MINIO_ROOT_PASSWORD=" + credentials_.secret_key, "MINIO_BROWSER=off", "MINIO_UPDATE=off",
                   // lets virtual-host-style requests (bucket.localhost) work
                   "MINIO_DOMAIN=localhost", "HOME=" + dir_});
  spec.log_path = dir_ + "/minio.log";
  spec.ready_url = endpoint() + "/minio/health/ready";
  error_ = process_.Start(spec);
  return error_.empty();
}

S3Options MinioServer::Options(const std::string& remote_bucket) const {
  S3Options options;
  options.endpoint = endpoint();
  options.bucket = remote_bucket;
  options.connect_timeout_ms = 2000;
  options.request_timeout_ms = 30000;
  options.max_attempts = 3;
  options.backoff_initial_ms = 50;
  options.backoff_max_ms = 400;
  return options;
}

std::unique_ptr<S3ObjectStore> MinioServer::Store(const std::string& remote_bucket, bool create,
                                                  const std::string& name) const {
  auto store = S3ObjectStore::Open(name, Options(remote_bucket), credentials_);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  if (create) {
    if (Status made = (*store)->CreateBucket(); !made.ok()) {
      ADD_FAILURE() << made.ToString();
      return nullptr;
    }
  }
  return std::move(store).value();
}

void MinioServer::Kill() { process_.Kill(); }

bool MinioServer::Restart() {
  Kill();
  return Start();
}

}  // namespace lakehouse::testing
