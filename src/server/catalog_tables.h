// CatalogTables: the catalog's current datasets as the tables POST /query and `lakehouse query`
// serve -- one place that decides what SQL can see.
#pragma once

#include "catalog/catalog.h"
#include "query/table_source.h"

namespace lakehouse::server {

//! A provider listing every dataset's current version as a table. Datasets in S3 buckets are
//! left out for now (the sandbox reads local files only) rather than failing every query.
//! `catalog` must outlive the provider; the provider is thread-safe.
query::TableProvider CatalogTables(const catalog::Catalog& catalog);

}  // namespace lakehouse::server
