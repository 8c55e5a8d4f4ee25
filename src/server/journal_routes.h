// The journal service: its HTTP routes, and the glue that makes every writer record events.
//
//   GET /journal?dataset=&key=&actor=&since=&until=&limit=   events, oldest first (limit <= 10000,
//       default 1000); since/until are ISO 8601 UTC or epoch microseconds
//   GET /datasets/{name}/rows/{key}/history  -> {"dataset", "key", "events": [..],
//       "fields": {column: [{"ts", "op", "old", "new", "actor", "source", "version"}, ..]}}
//
// Only events of committed versions are shown (JournalCommittedCheck). Handlers are thread-safe.
#pragma once

#include <functional>

#include "catalog/catalog.h"
#include "journal/event_journal.h"
#include "mutation/mutation_service.h"
#include "query/table_source.h"
#include "server/query_routes.h"
#include "server/router.h"

namespace lakehouse::server {

//! Records the field changes of row mutations and compactions in `journal`.
mutation::ChangeSink JournalChangeSink(journal::EventJournal& journal);

//! A Catalog before_commit hook recording ingests (one dataset event) and metadata changes (one
//! event per changed field) in `journal`. Row mutations and compactions are left to
//! JournalChangeSink, which knows their actor and fields.
std::function<Status(const catalog::DatasetManifest&, const catalog::DatasetManifest*)> JournalCommitHook(
    journal::EventJournal& journal);

//! journal::CommittedVersions over `catalog` (one snapshot per check object): accepts an event when
//! the catalog has its version with the same ingest_job, or when its version is older than every
//! version the catalog keeps (removed by retention).
journal::CommittedCheck JournalCommittedCheck(const catalog::Catalog& catalog);

//! `inner` plus the table `journal` (the Parquet segments and the JSONL batches no segment holds)
//! once events exist and unless a dataset is named journal. It shows only committed events, by
//! the same rule as JournalCommittedCheck. Thread-safe; `journal` and `catalog` must outlive the
//! provider.
query::TableProvider WithJournalTable(query::TableProvider inner, journal::EventJournal& journal,
                                      const catalog::Catalog& catalog);

//! Time travel for POST /query: "as_of" is a time (ISO 8601 UTC or epoch microseconds) -- every
//! dataset at the newest version created at or before it (datasets created later are absent),
//! each version with exactly the deltas it had -- or {"dataset": version, ..} pinning those
//! datasets (the others current). The journal table is served as it is now. Thread-safe.
AsOfResolver AsOfTables(const catalog::Catalog& catalog, journal::EventJournal& journal);

//! Adds the journal routes. `journal` and `catalog` must outlive the router.
void RegisterJournalRoutes(Router& router, journal::EventJournal& journal, catalog::Catalog& catalog);

}  // namespace lakehouse::server
