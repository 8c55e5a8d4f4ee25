// Gateway: the running Lakehouse service -- its buckets, its engine, one router per service
// (storage, catalog, query, journal, ai, vector, tools) and the HTTP server in front of them.
//
// Open builds everything from a Config; Start serves; Shutdown stops gracefully. Open, Start
// and Shutdown are called from one controlling thread.
#pragma once

#include <chrono>
#include <memory>

#include "common/config.h"
#include "common/status.h"

namespace lakehouse::server {

class Gateway {
 public:
  //! Opens the buckets and the engine named by `config`. Returns the first failure, with a
  //! message that names the bucket, directory or setting at fault.
  static Result<std::unique_ptr<Gateway>> Open(const Config& config);
  ~Gateway();

  //! Loads the staffing demo (candidates, resumes, clients, contracts, placements) through the
  //! ingest path when the catalog has no datasets yet; does nothing otherwise. Returns the
  //! number of datasets loaded, or the first ingest error.
  Result<int> LoadDemoIfEmpty();

  //! Runs the first health checks and starts listening. Unavailable if the port is taken.
  Status Start();

  //! The bound HTTP port.
  int port() const;

  //! Stops accepting, lets in-flight requests finish within server.shutdown_grace_ms, and
  //! stops the health checks. Safe to call twice.
  void Shutdown();

  class Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakehouse::server
