// MinioServer: a real MinIO server for tests, on a free loopback port with its own data directory.
//
// The binary is the one scripts/bootstrap built from the pinned MinIO module (see deps/pins.txt).
// Each server gets fresh random root credentials, passed to MinIO by environment (never on a
// command line, never in a file of the repository). The destructor stops the server and
// removes its directory.
#pragma once

#include <string>

#include "storage/s3_object_store.h"
#include "storage/secrets_provider.h"
#include "support/service_process.h"

namespace lakehouse::testing {

//! Where bootstrap installs the pinned MinIO binary (set by CMake).
std::string MinioBinary();

class MinioServer {
 public:
  //! Starts MinIO and waits until it answers its readiness probe. Check ok() and error().
  MinioServer();
  ~MinioServer();
  MinioServer(const MinioServer&) = delete;
  MinioServer& operator=(const MinioServer&) = delete;

  bool ok() const { return process_.running() && error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  //! "http://127.0.0.1:<port>".
  std::string endpoint() const;
  //! The root credentials of this server.
  const AccessKeyPair& credentials() const { return credentials_; }
  //! The credentials as a secret value: "ACCESS_KEY:SECRET_KEY".
  std::string secret_value() const { return credentials_.access_key + ":" + credentials_.secret_key; }

  //! S3Options for `remote_bucket` on this server (path style, short timeouts, few retries).
  S3Options Options(const std::string& remote_bucket) const;
  //! Opens a store for `remote_bucket` with the root credentials; creates the bucket first when
  //! `create` is true. Returns nullptr (and records a test failure) on error.
  std::unique_ptr<S3ObjectStore> Store(const std::string& remote_bucket, bool create = true,
                                       const std::string& name = "test-bucket") const;

  //! Kills the server at once (SIGKILL), as a crash would; data on disk stays.
  void Kill();
  //! Starts the server again on the same port, directory and credentials; waits until ready.
  bool Restart();

 private:
  bool Start();

  ServiceProcess process_;
  int port_ = 0;
  std::string dir_;
  std::string error_;
  AccessKeyPair credentials_;
};

}  // namespace lakehouse::testing
