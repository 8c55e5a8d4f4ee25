#include "common/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>
#include <regex>
#include <tuple>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not declared by <cstdlib>

namespace lakehouse {
namespace {

// Environment variables that are read by other parts of the project, not by the config.
constexpr std::string_view kNonConfigEnv[] = {"LAKEHOUSE_CONFIG", "LAKEHOUSE_CACHE", "LAKEHOUSE_FAULT_POINT"};

// Where a raw value came from, for error messages.
struct Origin {
  std::string where;  // "lakehouse.toml:12" or "environment variable LAKEHOUSE_SERVER_PORT"
};

// A raw value before it is checked: a TOML node or an environment string.
struct RawValue {
  const toml::node* node = nullptr;  // set for values from the file
  std::string text;                  // set for values from the environment
  bool from_env = false;
};

using Setter = std::function<Status(const RawValue&, const Origin&, Config&)>;

struct KeySpec {
  std::string section;
  std::string key;
  std::string help;  // what values are allowed, used in messages
  Setter set;
};

Status BadValue(const Origin& origin, std::string_view section, std::string_view key,
                std::string_view expected, std::string_view got) {
  return Status::InvalidArgument(
      fmt::format("{}: {}.{} must be {}, got {}", origin.where, section, key, expected, got));
}

std::string Describe(const RawValue& raw) {
  if (raw.from_env) return fmt::format("\"{}\"", raw.text);
  std::ostringstream out;
  if (raw.node->is_string()) {
    out << '"' << raw.node->as_string()->get() << '"';
  } else {
    out << toml::node_view<const toml::node>(raw.node);
  }
  return out.str();
}

Result<int64_t> ReadInt(const RawValue& raw) {
  if (!raw.from_env) {
    if (auto v = raw.node->value_exact<int64_t>()) return *v;
    return Status::InvalidArgument("not an integer");
  }
  int64_t value = 0;
  const char* begin = raw.text.data();
  const char* end = begin + raw.text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || raw.text.empty()) return Status::InvalidArgument("not an integer");
  return value;
}

Result<bool> ReadBool(const RawValue& raw) {
  if (!raw.from_env) {
    if (auto v = raw.node->value_exact<bool>()) return *v;
    return Status::InvalidArgument("not a boolean");
  }
  if (raw.text == "true" || raw.text == "1") return true;
  if (raw.text == "false" || raw.text == "0") return false;
  return Status::InvalidArgument("not a boolean");
}

Result<std::string> ReadString(const RawValue& raw) {
  if (!raw.from_env) {
    if (auto v = raw.node->value_exact<std::string>()) return *v;
    return Status::InvalidArgument("not a string");
  }
  return raw.text;
}

KeySpec IntKey(std::string section, std::string key, int64_t lo, int64_t hi,
               std::function<void(Config&, int64_t)> apply) {
  std::string help = fmt::format("an integer from {} to {}", lo, hi);
  auto set = [section, key, lo, hi, help, apply](const RawValue& raw, const Origin& origin,
                                                 Config& config) -> Status {
    auto value = ReadInt(raw);
    if (!value.ok() || *value < lo || *value > hi) return BadValue(origin, section, key, help, Describe(raw));
    apply(config, *value);
    return Status::OK();
  };
  return {std::move(section), std::move(key), std::move(help), std::move(set)};
}

KeySpec BoolKey(std::string section, std::string key, std::function<void(Config&, bool)> apply) {
  auto set = [section, key, apply](const RawValue& raw, const Origin& origin, Config& config) -> Status {
    auto value = ReadBool(raw);
    if (!value.ok()) return BadValue(origin, section, key, "true or false", Describe(raw));
    apply(config, *value);
    return Status::OK();
  };
  return {std::move(section), std::move(key), "true or false", std::move(set)};
}

// A string key; `check` returns an empty string when the value is acceptable, else what is expected.
KeySpec StringKey(std::string section, std::string key, std::string help,
                  std::function<bool(const std::string&)> valid,
                  std::function<void(Config&, std::string)> apply) {
  auto set = [section, key, help, valid, apply](const RawValue& raw, const Origin& origin,
                                                Config& config) -> Status {
    auto value = ReadString(raw);
    if (!value.ok() || !valid(*value)) return BadValue(origin, section, key, help, Describe(raw));
    apply(config, std::move(value).value());
    return Status::OK();
  };
  return {std::move(section), std::move(key), std::move(help), std::move(set)};
}

bool AnyString(const std::string&) { return true; }

std::function<bool(const std::string&)> OneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& v) {
    return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
  };
}

bool IsMemorySize(const std::string& v) {
  if (v.empty()) return true;
  static const std::regex kSize(R"(^\s*[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$)",
                                std::regex::icase);
  return std::regex_match(v, kSize);
}

bool IsNonEmpty(const std::string& v) { return !v.empty(); }

// The schema of lakehouse.toml: every key, its type, its range, and where it goes.
const std::vector<KeySpec>& Schema() {
  static const std::vector<KeySpec> schema = [] {
    std::vector<KeySpec> s;
    s.push_back(StringKey("server", "host", "a non-empty host name or IP address", IsNonEmpty,
                          [](Config& c, std::string v) { c.server.host = std::move(v); }));
    s.push_back(IntKey("server", "port", 0, 65535,
                       [](Config& c, int64_t v) { c.server.port = static_cast<int>(v); }));
    s.push_back(IntKey("server", "threads", 0, 256,
                       [](Config& c, int64_t v) { c.server.threads = static_cast<int>(v); }));
    s.push_back(IntKey("server", "max_body_bytes", 1024, int64_t{1} << 40,
                       [](Config& c, int64_t v) { c.server.max_body_bytes = v; }));
    s.push_back(IntKey("server", "max_upload_bytes", 1024, int64_t{1} << 50,
                       [](Config& c, int64_t v) { c.server.max_upload_bytes = v; }));
    s.push_back(IntKey("server", "workers", 0, 1024,
                       [](Config& c, int64_t v) { c.server.workers = static_cast<int>(v); }));
    s.push_back(IntKey("server", "queue_depth", 0, 1'000'000,
                       [](Config& c, int64_t v) { c.server.queue_depth = static_cast<int>(v); }));
    s.push_back(IntKey("server", "request_timeout_ms", 1, 86'400'000,
                       [](Config& c, int64_t v) { c.server.request_timeout_ms = static_cast<int>(v); }));
    s.push_back(IntKey("server", "shutdown_grace_ms", 0, 3'600'000,
                       [](Config& c, int64_t v) { c.server.shutdown_grace_ms = static_cast<int>(v); }));
    s.push_back(IntKey("server", "health_interval_ms", 100, 3'600'000,
                       [](Config& c, int64_t v) { c.server.health_interval_ms = static_cast<int>(v); }));
    s.push_back(StringKey("log", "level", "one of trace, debug, info, warn, error, off",
                          OneOf({"trace", "debug", "info", "warn", "error", "off"}),
                          [](Config& c, std::string v) { c.log.level = std::move(v); }));
    s.push_back(StringKey("log", "format", "one of json, text", OneOf({"json", "text"}),
                          [](Config& c, std::string v) { c.log.format = std::move(v); }));
    s.push_back(BoolKey("log", "access_log", [](Config& c, bool v) { c.log.access_log = v; }));
    s.push_back(StringKey("storage", "data_dir", "a non-empty directory path", IsNonEmpty,
                          [](Config& c, std::string v) { c.storage.data_dir = std::move(v); }));
    s.push_back(StringKey("engine", "memory_limit",
                          "a size such as \"4GB\" or \"512MiB\", or \"\" for the default", IsMemorySize,
                          [](Config& c, std::string v) { c.engine.memory_limit = std::move(v); }));
    s.push_back(IntKey("engine", "threads", 0, 256,
                       [](Config& c, int64_t v) { c.engine.threads = static_cast<int>(v); }));
    s.push_back(StringKey("engine", "extension_dir", "a directory path, or \"\" for the built-in default",
                          AnyString,
                          [](Config& c, std::string v) { c.engine.extension_dir = std::move(v); }));
    s.push_back(StringKey("engine", "temp_dir", "a directory path, or \"\" for the default", AnyString,
                          [](Config& c, std::string v) { c.engine.temp_dir = std::move(v); }));
    s.push_back(StringKey("query", "memory_limit",
                          "a size such as \"4GB\" or \"512MiB\", or \"\" for the default", IsMemorySize,
                          [](Config& c, std::string v) { c.query.memory_limit = std::move(v); }));
    s.push_back(IntKey("query", "threads", 0, 256,
                       [](Config& c, int64_t v) { c.query.threads = static_cast<int>(v); }));
    s.push_back(
        IntKey("query", "timeout_ms", 1, 86'400'000, [](Config& c, int64_t v) { c.query.timeout_ms = v; }));
    s.push_back(IntKey("query", "max_timeout_ms", 1, 86'400'000,
                       [](Config& c, int64_t v) { c.query.max_timeout_ms = v; }));
    s.push_back(IntKey("query", "max_result_rows", 1, int64_t{1} << 50,
                       [](Config& c, int64_t v) { c.query.max_result_rows = v; }));
    s.push_back(IntKey("catalog", "retain_versions", 0, 1'000'000,
                       [](Config& c, int64_t v) { c.catalog.retain_versions = static_cast<int>(v); }));
    s.push_back(IntKey("catalog", "retain_days", 0, 1'000'000,
                       [](Config& c, int64_t v) { c.catalog.retain_days = static_cast<int>(v); }));
    s.push_back(IntKey("catalog", "writer_lease_ttl_s", 1, 86'400,
                       [](Config& c, int64_t v) { c.catalog.writer_lease_ttl_s = static_cast<int>(v); }));
    s.push_back(IntKey("catalog", "compact_after_deltas", 0, 1'000'000,
                       [](Config& c, int64_t v) { c.catalog.compact_after_deltas = static_cast<int>(v); }));
    s.push_back(StringKey("ai", "embed_profile", "the name of a profile in [ai.profiles]", IsNonEmpty,
                          [](Config& c, std::string v) { c.ai.embed_profile = std::move(v); }));
    s.push_back(StringKey("ai", "generate_profile", "the name of a profile in [ai.profiles]", IsNonEmpty,
                          [](Config& c, std::string v) { c.ai.generate_profile = std::move(v); }));
    s.push_back(IntKey("ai", "max_texts", 1, 100'000,
                       [](Config& c, int64_t v) { c.ai.max_texts = static_cast<int>(v); }));
    s.push_back(
        IntKey("ai", "threads", 0, 256, [](Config& c, int64_t v) { c.ai.threads = static_cast<int>(v); }));
    return s;
  }();
  return schema;
}

const KeySpec* FindKey(std::string_view section, std::string_view key) {
  for (const auto& spec : Schema()) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

std::string KnownKeys(std::string_view section) {
  std::string out;
  for (const auto& spec : Schema()) {
    if (spec.section != section) continue;
    if (!out.empty()) out += ", ";
    out += spec.key;
  }
  if (section == "storage") out += ", buckets";
  if (section == "ai") out += ", profiles";
  return out;
}

std::string KnownSections() { return "server, log, storage, engine, query, catalog, ai"; }

std::string Where(const std::string& file, const toml::node& node) {
  const auto& src = node.source();
  if (src.begin.line == 0) return file;
  return fmt::format("{}:{}", file, src.begin.line);
}

// Key names that hold a credential. Credentials never belong in lakehouse.toml: a bucket names
// them with secret_ref, and a SecretsProvider resolves it.
bool IsCredentialKey(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  if (key == "secret_ref") return false;
  for (std::string_view word : {"secret", "password", "passwd", "token", "access_key", "credential",
                                "api_key", "apikey", "private_key"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

// Rejects a credential anywhere in `table` (nested tables and arrays included), naming the key but
// never echoing its value.
Status RejectInlineCredentials(const std::string& file, const toml::table& table, const std::string& path) {
  for (const auto& [key, value] : table) {
    const std::string here = path + "." + std::string(key.str());
    if (IsCredentialKey(std::string(key.str()))) {
      const std::string bucket_path =
          path.substr(0, path.find('.', std::string_view("storage.buckets.").size()));
      return Status::InvalidArgument(
          fmt::format("{}: '{}' puts a credential in the config file, which is not allowed (the file is not "
                      "a safe place for "
                      "secrets); remove it, put ACCESS_KEY:SECRET_KEY in an environment variable or a file "
                      "readable only by "
                      "Lakehouse, and set {}.secret_ref = \"env:NAME\" or \"file:PATH\"",
                      Where(file, value), here, bucket_path));
    }
    if (const auto* nested = value.as_table())
      LH_RETURN_IF_ERROR(RejectInlineCredentials(file, *nested, here));
    if (const auto* array = value.as_array()) {
      for (const auto& item : *array) {
        if (const auto* nested = item.as_table())
          LH_RETURN_IF_ERROR(RejectInlineCredentials(file, *nested, here));
      }
    }
  }
  return Status::OK();
}

// [storage.buckets.NAME] tables.
Status ApplyBuckets(const std::string& file, const toml::node& node, Config& config) {
  const auto* buckets = node.as_table();
  if (buckets == nullptr) {
    return Status::InvalidArgument(fmt::format(
        "{}: storage.buckets must be a table of buckets, e.g. [storage.buckets.primary]", Where(file, node)));
  }
  for (const auto& [name_key, bucket_node] : *buckets) {
    std::string name(name_key.str());
    static const std::regex kBucketName("^[a-z0-9][a-z0-9_-]{0,62}$");
    if (!std::regex_match(name, kBucketName)) {
      return Status::InvalidArgument(
          fmt::format("{}: bucket name '{}' is not valid: use 1-63 lowercase letters, digits, '-' or '_', "
                      "starting with a letter "
                      "or digit",
                      Where(file, bucket_node), name));
    }
    const auto* bucket = bucket_node.as_table();
    if (bucket == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "{}: storage.buckets.{} must be a table with backend and path", Where(file, bucket_node), name));
    }
    LH_RETURN_IF_ERROR(RejectInlineCredentials(file, *bucket, "storage.buckets." + name));
    BucketOptions options;
    options.name = name;
    for (const auto& [key, value] : *bucket) {
      const std::string where = Where(file, value);
      const std::string k(key.str());
      const auto text = value.value_exact<std::string>();
      const auto number = value.value_exact<int64_t>();
      const auto bad = [&](std::string_view expected) {
        return Status::InvalidArgument(fmt::format("{}: storage.buckets.{}.{} must be {}, got {}", where,
                                                   name, k, expected, Describe(RawValue{&value, {}, false})));
      };
      if (k == "backend") {
        if (!text || (*text != "local" && *text != "s3")) return bad("\"local\" or \"s3\"");
        options.backend = *text;
      } else if (k == "path" || k == "endpoint" || k == "region" || k == "bucket" || k == "secret_ref") {
        if (!text) return bad("a string");
        (k == "path"       ? options.path
         : k == "endpoint" ? options.endpoint
         : k == "region"   ? options.region
         : k == "bucket"   ? options.bucket
                           : options.secret_ref) = *text;
      } else if (k == "url_style") {
        if (!text || (*text != "path" && *text != "virtual")) return bad("\"path\" or \"virtual\"");
        options.url_style = *text;
      } else if (k == "connect_timeout_ms" || k == "request_timeout_ms") {
        if (!number || *number < 1 || *number > 86'400'000) return bad("an integer from 1 to 86400000");
        (k == "connect_timeout_ms" ? options.connect_timeout_ms : options.request_timeout_ms) =
            static_cast<int>(*number);
      } else if (k == "max_attempts") {
        if (!number || *number < 1 || *number > 20) return bad("an integer from 1 to 20");
        options.max_attempts = static_cast<int>(*number);
      } else if (k == "class") {
        static const std::regex kClass("^(primary|tenant|rescue|profile:[a-z0-9][a-z0-9_.-]{0,62})$");
        if (!text || !std::regex_match(*text, kClass)) {
          return bad(
              "\"primary\", \"tenant\", \"rescue\" or \"profile:USER\" (USER: lowercase letters, digits, "
              "'_', '.', '-')");
        }
        options.bucket_class = *text;
      } else {
        return Status::InvalidArgument(fmt::format(
            "{}: unknown key 'storage.buckets.{}.{}' (known keys of a bucket: backend, path, endpoint, "
            "region, "
            "bucket, url_style, secret_ref, connect_timeout_ms, request_timeout_ms, max_attempts, class)",
            where, name, k));
      }
    }
    // The primary and rescue buckets are defined by their names, so their class is fixed.
    const std::string implied = name == "primary" ? "primary" : name == "rescue" ? "rescue" : "";
    if (options.bucket_class.empty()) options.bucket_class = implied.empty() ? "tenant" : implied;
    if (options.bucket_class != implied &&
        (!implied.empty() || options.bucket_class == "primary" || options.bucket_class == "rescue")) {
      return Status::InvalidArgument(fmt::format(
          "{}: storage.buckets.{}.class is \"{}\", but only the bucket named \"primary\" has class "
          "primary and only the one named \"rescue\" has class rescue; remove the key or use tenant or "
          "profile:USER",
          Where(file, bucket_node), name, options.bucket_class));
    }
    if (options.backend == "s3") {
      if (!options.path.empty()) {
        return Status::InvalidArgument(
            fmt::format("{}: storage.buckets.{} is an s3 bucket and cannot have a path; remove it (path is "
                        "for local buckets)",
                        Where(file, bucket_node), name));
      }
      if (options.endpoint.empty() || options.secret_ref.empty()) {
        return Status::InvalidArgument(
            fmt::format("{}: storage.buckets.{} is an s3 bucket and needs an endpoint and a secret_ref "
                        "(env:NAME or file:PATH "
                        "holding ACCESS_KEY:SECRET_KEY)",
                        Where(file, bucket_node), name));
      }
      config.storage.buckets[name] = std::move(options);
      continue;
    }
    if (!options.endpoint.empty() || !options.secret_ref.empty() || !options.bucket.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: storage.buckets.{} is a local bucket; endpoint, bucket and secret_ref only apply "
                      "with backend = \"s3\"",
                      Where(file, bucket_node), name));
    }
    if (name != "primary" && options.path.empty()) {
      return Status::InvalidArgument(fmt::format(
          "{}: storage.buckets.{} needs a path (only the primary bucket defaults to storage.data_dir)",
          Where(file, bucket_node), name));
    }
    config.storage.buckets[name] = std::move(options);
  }
  return Status::OK();
}

// The profiles that point at the models scripts/bootstrap places in the cache.
void AddDefaultAiProfiles(AiOptions& ai) {
  const std::string dir = LAKEHOUSE_DEFAULT_MODELS_DIR;
  AiProfileOptions minilm;
  minilm.name = "minilm";
  minilm.task = "embed";
  minilm.model = "all-MiniLM-L6-v2";
  minilm.path = dir + "/all-MiniLM-L6-v2.f32.gguf";
  minilm.dims = 384;
  minilm.context = 256;  // sentence-transformers' max_seq_length for this model
  ai.profiles.emplace(minilm.name, minilm);
  AiProfileOptions smollm;
  smollm.name = "smollm2";
  smollm.task = "generate";
  smollm.model = "SmolLM2-135M-Instruct";
  smollm.path = dir + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  smollm.batch_size = 512;
  smollm.context = 2048;
  ai.profiles.emplace(smollm.name, smollm);
}

// [ai.profiles.NAME] tables.
Status ApplyAiProfiles(const std::string& file, const toml::node& node, Config& config) {
  const auto* profiles = node.as_table();
  if (profiles == nullptr) {
    return Status::InvalidArgument(fmt::format(
        "{}: ai.profiles must be a table of profiles, e.g. [ai.profiles.minilm]", Where(file, node)));
  }
  for (const auto& [name_key, profile_node] : *profiles) {
    std::string name(name_key.str());
    static const std::regex kProfileName("^[a-z0-9][a-z0-9_.-]{0,62}$");
    if (!std::regex_match(name, kProfileName)) {
      return Status::InvalidArgument(fmt::format(
          "{}: profile name '{}' is not valid: use 1-63 lowercase letters, digits, '-', '_' or '.'",
          Where(file, profile_node), name));
    }
    const auto* table = profile_node.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: ai.profiles.{} must be a table", Where(file, profile_node), name));
    }
    AiProfileOptions p;
    if (auto it = config.ai.profiles.find(name); it != config.ai.profiles.end()) p = it->second;
    p.name = name;
    for (const auto& [key, value] : *table) {
      const std::string where = Where(file, value);
      const std::string k(key.str());
      const auto text = value.value_exact<std::string>();
      const auto number = value.value_exact<int64_t>();
      auto bad = [&](std::string_view expected) {
        return Status::InvalidArgument(fmt::format("{}: ai.profiles.{}.{} must be {}, got {}", where, name, k,
                                                   expected, Describe(RawValue{&value, {}, false})));
      };
      if (k == "task") {
        if (!text || (*text != "embed" && *text != "generate")) return bad("\"embed\" or \"generate\"");
        p.task = *text;
      } else if (k == "backend") {
        if (!text || (*text != "llama" && *text != "openai" && *text != "ollama")) {
          return bad("\"llama\", \"openai\" or \"ollama\"");
        }
        p.backend = *text;
      } else if (k == "model" || k == "path" || k == "version" || k == "endpoint" || k == "secret_ref") {
        if (!text) return bad("a string");
        (k == "model"      ? p.model
         : k == "path"     ? p.path
         : k == "version"  ? p.version
         : k == "endpoint" ? p.endpoint
                           : p.secret_ref) = *text;
      } else if (k == "timeout_ms") {
        if (!number || *number < 100 || *number > 3'600'000) return bad("an integer from 100 to 3600000");
        p.timeout_ms = static_cast<int>(*number);
      } else if (k == "max_attempts") {
        if (!number || *number < 1 || *number > 10) return bad("an integer from 1 to 10");
        p.max_attempts = static_cast<int>(*number);
      } else if (k == "dims" || k == "context") {
        if (!number || *number < 0 || *number > 1'000'000) return bad("an integer from 0 to 1000000");
        (k == "dims" ? p.dims : p.context) = static_cast<int>(*number);
      } else if (k == "batch_size") {
        if (!number || *number < 1 || *number > 1'000'000) return bad("an integer from 1 to 1000000");
        p.batch_size = static_cast<int>(*number);
      } else if (k == "parallel") {
        if (!number || *number < 1 || *number > 64) return bad("an integer from 1 to 64");
        p.parallel = static_cast<int>(*number);
      } else if (IsCredentialKey(k)) {
        // Never echo the value: it may be a pasted key.
        return Status::InvalidArgument(
            fmt::format("{}: ai.profiles.{}.{} looks like a credential; credentials never go in the config "
                        "file: set secret_ref = \"env:NAME\" (or \"file:PATH\") to where the key is kept",
                        where, name, k));
      } else {
        return Status::InvalidArgument(
            fmt::format("{}: unknown key 'ai.profiles.{}.{}' (known keys of a profile: task, backend, model, "
                        "path, endpoint, secret_ref, version, dims, batch_size, context, parallel, "
                        "timeout_ms, max_attempts)",
                        where, name, k));
      }
    }
    if (p.model.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: ai.profiles.{} needs a model name", Where(file, profile_node), name));
    }
    if (p.backend == "llama" && p.path.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: ai.profiles.{} uses the llama backend and needs a path to a GGUF file",
                      Where(file, profile_node), name));
    }
    if (p.backend != "llama" && !p.endpoint.starts_with("http://") && !p.endpoint.starts_with("https://")) {
      return Status::InvalidArgument(fmt::format(
          "{}: ai.profiles.{} uses the {} backend and needs an endpoint URL (http:// or https://), e.g. {}",
          Where(file, profile_node), name, p.backend,
          p.backend == "openai" ? "\"http://127.0.0.1:8080/v1\"" : "\"http://127.0.0.1:11434\""));
    }
    config.ai.profiles[name] = std::move(p);
  }
  return Status::OK();
}

// The default profiles must exist and do the task they are the default for.
Status CheckAiDefaults(const AiOptions& ai) {
  for (const auto& [key, name, task] : {std::tuple{"embed_profile", ai.embed_profile, "embed"},
                                        std::tuple{"generate_profile", ai.generate_profile, "generate"}}) {
    auto it = ai.profiles.find(name);
    if (it == ai.profiles.end()) {
      return Status::InvalidArgument(fmt::format(
          "ai.{} names profile '{}', which is not defined; add [ai.profiles.{}]", key, name, name));
    }
    if (it->second.task != task) {
      return Status::InvalidArgument(fmt::format("ai.{} names profile '{}', whose task is {}, not {}", key,
                                                 name, it->second.task, task));
    }
  }
  return Status::OK();
}

Status ApplyFile(const std::string& file, Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Status::NotFound(
        fmt::format("config file {} does not exist (or is not a file); pass an existing "
                    "lakehouse.toml or none to run on defaults",
                    file));
  }
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& err) {
    const auto& begin = err.source().begin;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: not valid TOML: {}", file, begin.line, begin.column, err.description()));
  }
  config.source = file;
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const auto* table = section_node.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(
          fmt::format("{}: unknown top-level key '{}' (expected one of the sections [{}])",
                      Where(file, section_node), section, KnownSections()));
    }
    if (section != "server" && section != "log" && section != "storage" && section != "engine" &&
        section != "query" && section != "catalog" && section != "ai") {
      return Status::InvalidArgument(fmt::format("{}: unknown section [{}] (known sections: {})",
                                                 Where(file, section_node), section, KnownSections()));
    }
    for (const auto& [key, value] : *table) {
      if (section == "storage" && key.str() == "buckets") {
        LH_RETURN_IF_ERROR(ApplyBuckets(file, value, config));
        continue;
      }
      if (section == "ai" && key.str() == "profiles") {
        LH_RETURN_IF_ERROR(ApplyAiProfiles(file, value, config));
        continue;
      }
      const KeySpec* spec = FindKey(section, key.str());
      if (spec == nullptr) {
        return Status::InvalidArgument(fmt::format("{}: unknown key '{}.{}' (known keys in [{}]: {})",
                                                   Where(file, value), section, key.str(), section,
                                                   KnownKeys(section)));
      }
      LH_RETURN_IF_ERROR(spec->set(RawValue{&value, {}, false}, Origin{Where(file, value)}, config));
    }
  }
  return Status::OK();
}

std::string EnvName(const KeySpec& spec) {
  std::string name = "LAKEHOUSE_" + spec.section + "_" + spec.key;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  return name;
}

Status ApplyEnv(const std::map<std::string, std::string>& env, Config& config) {
  for (const auto& [name, value] : env) {
    if (name.rfind("LAKEHOUSE_", 0) != 0) continue;
    if (std::find(std::begin(kNonConfigEnv), std::end(kNonConfigEnv), name) != std::end(kNonConfigEnv))
      continue;
    const KeySpec* match = nullptr;
    for (const auto& spec : Schema()) {
      if (EnvName(spec) == name) match = &spec;
    }
    if (match == nullptr) {
      std::string known;
      for (const auto& spec : Schema()) known += (known.empty() ? "" : ", ") + EnvName(spec);
      return Status::InvalidArgument(fmt::format(
          "unknown environment variable {} (settings that can be overridden: {}; unset it to continue)", name,
          known));
    }
    RawValue raw;
    raw.text = value;
    raw.from_env = true;
    LH_RETURN_IF_ERROR(match->set(raw, Origin{"environment variable " + name}, config));
  }
  return Status::OK();
}

// A TOML basic string: double quotes, with backslash escapes where TOML requires them.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::map<std::string, std::string> LakehouseEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    if (kv.rfind("LAKEHOUSE_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  AddDefaultAiProfiles(config.ai);
  if (sources.file) LH_RETURN_IF_ERROR(ApplyFile(*sources.file, config));
  LH_RETURN_IF_ERROR(ApplyEnv(sources.env, config));
  LH_RETURN_IF_ERROR(CheckAiDefaults(config.ai));
  auto& primary = config.storage.buckets["primary"];
  primary.name = "primary";
  primary.bucket_class = "primary";
  return config;
}

std::string ConfigToToml(const Config& c) {
  std::string out = fmt::format("# Effective configuration (source: {})\n\n", c.source);
  out += "[server]\n";
  out += fmt::format("host = {}\nport = {}\nthreads = {}\nmax_body_bytes = {}\nrequest_timeout_ms = {}\n",
                     Quote(c.server.host), c.server.port, c.server.threads, c.server.max_body_bytes,
                     c.server.request_timeout_ms);
  out += fmt::format("max_upload_bytes = {}\nworkers = {}\nqueue_depth = {}\n", c.server.max_upload_bytes,
                     c.server.workers, c.server.queue_depth);
  out += fmt::format("shutdown_grace_ms = {}\nhealth_interval_ms = {}\n\n", c.server.shutdown_grace_ms,
                     c.server.health_interval_ms);
  out += "[log]\n";
  out += fmt::format("level = {}\nformat = {}\naccess_log = {}\n\n", Quote(c.log.level), Quote(c.log.format),
                     c.log.access_log ? "true" : "false");
  out += "[storage]\n";
  out += fmt::format("data_dir = {}\n\n", Quote(c.storage.data_dir));
  for (const auto& [name, bucket] : c.storage.buckets) {
    if (bucket.backend == "s3") {
      // secret_ref is a reference, not a secret, so it may be printed.
      out += fmt::format(
          "[storage.buckets.{}]\nbackend = {}\nendpoint = {}\nregion = {}\nbucket = {}\nurl_style = {}\n"
          "secret_ref = {}\nconnect_timeout_ms = {}\nrequest_timeout_ms = {}\nmax_attempts = {}\n"
          "class = {}\n\n",
          name, Quote(bucket.backend), Quote(bucket.endpoint), Quote(bucket.region), Quote(bucket.bucket),
          Quote(bucket.url_style), Quote(bucket.secret_ref), bucket.connect_timeout_ms,
          bucket.request_timeout_ms, bucket.max_attempts, Quote(bucket.bucket_class));
      continue;
    }
    out += fmt::format("[storage.buckets.{}]\nbackend = {}\npath = {}\nclass = {}\n\n", name,
                       Quote(bucket.backend), Quote(bucket.path), Quote(bucket.bucket_class));
  }
  out += "[engine]\n";
  out += fmt::format("memory_limit = {}\nthreads = {}\nextension_dir = {}\ntemp_dir = {}\n",
                     Quote(c.engine.memory_limit), c.engine.threads, Quote(c.engine.extension_dir),
                     Quote(c.engine.temp_dir));
  out += "\n[query]\n";
  out += fmt::format(
      "memory_limit = {}\nthreads = {}\ntimeout_ms = {}\nmax_timeout_ms = {}\nmax_result_rows = {}\n",
      Quote(c.query.memory_limit), c.query.threads, c.query.timeout_ms, c.query.max_timeout_ms,
      c.query.max_result_rows);
  out += "\n[catalog]\n";
  out += fmt::format("retain_versions = {}\nretain_days = {}\n", c.catalog.retain_versions,
                     c.catalog.retain_days);
  out += fmt::format("writer_lease_ttl_s = {}\ncompact_after_deltas = {}\n", c.catalog.writer_lease_ttl_s,
                     c.catalog.compact_after_deltas);
  out += "\n[ai]\n";
  out += fmt::format("embed_profile = {}\ngenerate_profile = {}\nmax_texts = {}\nthreads = {}\n",
                     Quote(c.ai.embed_profile), Quote(c.ai.generate_profile), c.ai.max_texts, c.ai.threads);
  for (const auto& [name, p] : c.ai.profiles) {
    out += fmt::format("\n[ai.profiles.{}]\ntask = {}\nbackend = {}\nmodel = {}\npath = {}\n", name,
                       Quote(p.task), Quote(p.backend), Quote(p.model), Quote(p.path));
    out += fmt::format("version = {}\ndims = {}\nbatch_size = {}\ncontext = {}\nparallel = {}\n",
                       Quote(p.version), p.dims, p.batch_size, p.context, p.parallel);
    if (p.backend != "llama") {
      out += fmt::format("endpoint = {}\nsecret_ref = {}\ntimeout_ms = {}\nmax_attempts = {}\n",
                         Quote(p.endpoint), Quote(p.secret_ref), p.timeout_ms, p.max_attempts);
    }
  }
  return out;
}

}  // namespace lakehouse
