// CommittedVersions: the one definition of "committed" that every reader of the journal applies.
//
// Writers record events BEFORE they commit the dataset version the events belong to (ADR-45), so
// the journal can hold events of a change that crashed before its commit point. An event is
// committed when the catalog has its dataset version with the same ingest_job, or when its version
// is older than every version the catalog keeps of that dataset (committed, then removed by
// retention: a crashed change's version is never below a committed one's). Events of a dataset
// the catalog does not know are not committed.
//
// Contains() applies the rule to one event (GET /journal, row history); SqlCondition() is the same
// rule as a SQL condition over the columns dataset, version and job (the SQL table `journal`), so
// both show exactly the same events.
//
// Thread-safety: one object per request (it caches what it read from the catalog); not safe to
// share between threads. The catalog must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "catalog/catalog.h"
#include "journal/event.h"

namespace lakehouse::journal {

class CommittedVersions {
 public:
  explicit CommittedVersions(const catalog::Catalog& catalog) : catalog_(catalog) {}

  //! True if `event` belongs to a committed change (see the file comment).
  bool Contains(const Event& event);

  //! The rule as a SQL boolean expression over the columns `dataset`, `version` and `job` of the
  //! table it filters, for every dataset the catalog lists now ("false" when there is none).
  std::string SqlCondition();

 private:
  struct Dataset {
    bool known = false;                        // the catalog has the dataset
    std::int64_t oldest_kept = 0;              // its oldest kept version
    std::map<std::int64_t, std::string> jobs;  // kept version -> its ingest_job
  };
  const Dataset& Load(const std::string& name);

  const catalog::Catalog& catalog_;
  std::map<std::string, Dataset> datasets_;
};

}  // namespace lakehouse::journal
