#include "journal/committed_versions.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/sql_text.h"

namespace lakehouse::journal {

const CommittedVersions::Dataset& CommittedVersions::Load(const std::string& name) {
  auto [it, inserted] = datasets_.try_emplace(name);
  if (!inserted) return it->second;
  auto versions = catalog_.Versions(name);
  if (!versions.ok() || versions->empty()) return it->second;
  Dataset& dataset = it->second;
  dataset.known = true;
  dataset.oldest_kept = versions->front().version;
  for (const auto& manifest : *versions) {
    dataset.oldest_kept = std::min(dataset.oldest_kept, manifest.version);
    dataset.jobs[manifest.version] = manifest.metadata.lineage.ingest_job;
  }
  return dataset;
}

bool CommittedVersions::Contains(const Event& event) {
  const Dataset& dataset = Load(event.dataset);
  if (!dataset.known) return false;
  if (event.version < dataset.oldest_kept) return true;
  auto it = dataset.jobs.find(event.version);
  return it != dataset.jobs.end() && it->second == event.job;
}

std::string CommittedVersions::SqlCondition() {
  std::string kept;
  std::string oldest;
  for (const auto& latest : catalog_.List()) {
    const Dataset& dataset = Load(latest.name);
    if (!dataset.known) continue;
    const std::string name = engine::QuoteSqlString(latest.name);
    oldest += fmt::format("{}({}, {})", oldest.empty() ? "" : ", ", name, dataset.oldest_kept);
    for (const auto& [version, job] : dataset.jobs) {
      kept +=
          fmt::format("{}({}, {}, {})", kept.empty() ? "" : ", ", name, version, engine::QuoteSqlString(job));
    }
  }
  if (oldest.empty()) return "false";
  // The lh_ column names differ from the filtered table's, so dataset, version and job inside the
  // subqueries name the outer row.
  return fmt::format(
      "(EXISTS (SELECT 1 FROM (VALUES {}) AS lh_kept(lh_dataset, lh_version, lh_job) WHERE lh_dataset = "
      "dataset "
      "AND lh_version = version AND lh_job = job) OR EXISTS (SELECT 1 FROM (VALUES {}) AS "
      "lh_oldest(lh_dataset, "
      "lh_oldest_kept) WHERE lh_dataset = dataset AND version < lh_oldest_kept))",
      kept, oldest);
}

}  // namespace lakehouse::journal
