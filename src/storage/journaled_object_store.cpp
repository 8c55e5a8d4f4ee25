#include "storage/journaled_object_store.h"

#include <algorithm>
#include <utility>

#include "common/log.h"

namespace lakehouse {
namespace {

thread_local RescueReadScope* innermost_scope = nullptr;

bool IsOutage(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kDeadlineExceeded;
}

// Journals the failures of a streaming write; the writer itself comes from the real store.
class JournaledWriter final : public ObjectWriter {
 public:
  JournaledWriter(std::unique_ptr<ObjectWriter> inner, BucketErrorJournal& journal, std::string bucket)
      : inner_(std::move(inner)), journal_(journal), bucket_(std::move(bucket)) {}

  Status Append(std::string_view data) override {
    Status appended = inner_->Append(data);
    if (!appended.ok() && appended.code() != StatusCode::kFailedPrecondition) {
      journal_.Record(bucket_, "write", inner_->key(), appended);
    }
    return appended;
  }
  Status Commit() override {
    Status committed = inner_->Commit();
    if (!committed.ok()) journal_.Record(bucket_, "commit", inner_->key(), committed);
    return committed;
  }
  void Abort() override { inner_->Abort(); }
  const std::string& key() const override { return inner_->key(); }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }

 private:
  std::unique_ptr<ObjectWriter> inner_;
  BucketErrorJournal& journal_;
  std::string bucket_;
};

}  // namespace

RescueReadScope::RescueReadScope() : outer_(innermost_scope) { innermost_scope = this; }

RescueReadScope::~RescueReadScope() { innermost_scope = outer_; }

void RescueReadScope::Note(const std::string& target, const std::string& rescue) {
  RescueReadScope* scope = innermost_scope;
  if (scope == nullptr) return;
  if (std::find(scope->targets_.begin(), scope->targets_.end(), target) == scope->targets_.end()) {
    scope->targets_.push_back(target);
  }
  scope->rescue_ = rescue;
}

JournaledObjectStore::JournaledObjectStore(std::unique_ptr<ObjectStore> inner, BucketErrorJournal* journal,
                                           ObjectStore* rescue)
    : inner_(std::move(inner)), journal_(journal), rescue_(rescue) {}

void JournaledObjectStore::Journal(std::string_view op, std::string_view key, const Status& failure,
                                   std::string_view served_from) const {
  if (failure.ok() || failure.code() == StatusCode::kInvalidArgument) return;
  const bool read = op == "get" || op == "get_range" || op == "head";
  if (read && failure.code() == StatusCode::kNotFound) return;
  if (op == "put_if_absent" && failure.code() == StatusCode::kAlreadyExists) return;
  journal_->Record(name(), op, key, failure, served_from);
}

template <typename T, typename Read>
Result<T> JournaledObjectStore::ReadWithRescue(std::string_view op, std::string_view key, Read read) {
  Result<T> answer = read(*inner_);
  if (answer.ok() || rescue_ == nullptr || !IsOutage(answer.status())) {
    Journal(op, key, answer.status());
    return answer;
  }
  Result<T> rescued = read(*rescue_);
  if (!rescued.ok()) {
    // Even NotFound: the rescue bucket may simply lack a copy, and "no such object" must not be
    // concluded while the target cannot be asked.
    Journal(op, key, answer.status());
    return answer;
  }
  Journal(op, key, answer.status(), rescue_->name());
  log::Warn("read served from the rescue bucket",
            Json{{"bucket", name()},
                 {"rescue", rescue_->name()},
                 {"op", std::string(op)},
                 {"key", std::string(key)},
                 {"cause", journal_->Scrub(answer.status().message())}});
  RescueReadScope::Note(name(), rescue_->name());
  return rescued;
}

Status JournaledObjectStore::Put(std::string_view key, std::string_view data) {
  Status put = inner_->Put(key, data);
  Journal("put", key, put);
  return put;
}

Status JournaledObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  Status put = inner_->PutIfAbsent(key, data);
  Journal("put_if_absent", key, put);
  return put;
}

Result<std::string> JournaledObjectStore::Get(std::string_view key) {
  return ReadWithRescue<std::string>("get", key, [&](ObjectStore& store) { return store.Get(key); });
}

Result<std::string> JournaledObjectStore::GetRange(std::string_view key, uint64_t offset, uint64_t length) {
  return ReadWithRescue<std::string>("get_range", key,
                                     [&](ObjectStore& store) { return store.GetRange(key, offset, length); });
}

Result<ObjectInfo> JournaledObjectStore::Head(std::string_view key) {
  return ReadWithRescue<ObjectInfo>("head", key, [&](ObjectStore& store) { return store.Head(key); });
}

Result<std::vector<ObjectInfo>> JournaledObjectStore::List(std::string_view prefix) {
  return ReadWithRescue<std::vector<ObjectInfo>>("list", prefix,
                                                 [&](ObjectStore& store) { return store.List(prefix); });
}

bool JournaledObjectStore::adopts_files() const { return inner_->adopts_files(); }

Result<bool> JournaledObjectStore::AdoptFile(std::string_view key, const std::string& path) {
  Result<bool> adopted = inner_->AdoptFile(key, path);
  if (!adopted.ok()) Journal("adopt_file", key, adopted.status());
  return adopted;
}

Status JournaledObjectStore::Delete(std::string_view key) {
  Status deleted = inner_->Delete(key);
  Journal("delete", key, deleted);
  return deleted;
}

Result<std::unique_ptr<ObjectWriter>> JournaledObjectStore::NewWriter(std::string_view key) {
  Result<std::unique_ptr<ObjectWriter>> writer = inner_->NewWriter(key);
  if (!writer.ok()) {
    Journal("new_writer", key, writer.status());
    return writer;
  }
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<JournaledWriter>(std::move(writer).value(), *journal_, name()));
}

}  // namespace lakehouse
