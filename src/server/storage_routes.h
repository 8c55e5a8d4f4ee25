// The storage service's HTTP routes.
//
// GET /storage/buckets
//   {"buckets":[{"name","backend","class","status"?,"error"?}],"rescue"?}: every configured bucket
//   with its class (primary | profile:USER | tenant | rescue) and the health found by the last
//   background check (no probe is written by the GET itself).
// GET /storage/errors?bucket=&op=&since=&until=&limit=
//   {"errors":[{"id","time_us","time","bucket","op","key","code","message","served_from"?}],
//    "count"}: failed bucket operations, newest first. since/until are RFC 3339 UTC times
//   ("2026-11-23T16:00:00Z", fractions allowed) or integer epoch microseconds, both inclusive;
//   limit 1..1000 (default 100). An unknown parameter, bucket or op, a bad time or limit, or
//   since > until gets 400 saying what is allowed.
// GET /storage/buckets/{bucket}/objects?prefix=&limit=
//   {"objects":[{"key","size","last_modified"}],"truncated"}: keys under a prefix (limit 1..10000,
//   default 1000).
// GET /storage/buckets/{bucket}/object?key=
//   The object's bytes (application/octet-stream), streamed in 4 MiB ranges.
//
// Any response whose reads were answered by the rescue bucket carries
// `X-Lakehouse-Served-From: rescue` (added by the router for every route; see router.h).
#pragma once

#include <functional>

#include "common/config.h"
#include "common/json.h"
#include "server/router.h"
#include "storage/bucket_registry.h"

namespace lakehouse::server {

//! Adds the /storage routes. `buckets` and `options` must outlive the router; `bucket_states`
//! returns {bucket: {"status", "error"?}} from the last health check (may be empty).
void RegisterStorageRoutes(Router& router, BucketRegistry& buckets, const StorageOptions& options,
                           std::function<Json()> bucket_states);

}  // namespace lakehouse::server
