// CatalogTables: the catalog's current datasets as the tables POST /query and `lakehouse query`
// serve -- one place that decides what SQL can see.
#pragma once

#include "catalog/catalog.h"
#include "query/table_source.h"
#include "storage/bucket_registry.h"
#include "storage/s3_object_store.h"

namespace lakehouse::server {

//! A provider listing every dataset's current version as a table. Datasets in S3 buckets are
//! listed by their s3:// URIs: the sandbox must be given those buckets (S3Buckets) to read them.
//! `catalog` must outlive the provider; the provider is thread-safe.
query::TableProvider CatalogTables(const catalog::Catalog& catalog);

//! The S3 buckets of `buckets`, for query::SandboxOptions::s3_buckets (same lifetime as `buckets`).
std::vector<const S3ObjectStore*> S3Buckets(const BucketRegistry& buckets);

}  // namespace lakehouse::server
