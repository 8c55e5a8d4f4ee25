// S3 buckets for DuckDB: lets SQL read objects of an S3 bucket directly (httpfs), with that
// bucket's own credentials.
//
// DuckDB keeps credentials as "secrets", each scoped to a URI prefix; this registers one
// temporary (in-memory, never persisted) secret per bucket, scoped to s3://<remote bucket>, so
// that read_parquet('s3://<remote bucket>/...') -- the URI S3ObjectStore::Uri returns -- signs
// with the bucket's credentials and reaches its endpoint. Buckets on different endpoints or with
// different credentials coexist.
//
// Thread-safety: as for Connection (one thread at a time per connection); the secret is visible
// to every connection of the database.
#pragma once

#include "common/status.h"
#include "engine/connection.h"
#include "storage/s3_object_store.h"

namespace lakehouse::engine {

//! Loads httpfs and creates (or replaces) the secret for `store`'s bucket in the connection's
//! database. Returns FailedPrecondition if httpfs is not in the extension directory, or the
//! engine's error with every credential removed from its message.
Status RegisterS3Bucket(Connection& connection, const S3ObjectStore& store);

}  // namespace lakehouse::engine
