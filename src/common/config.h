// Config: the effective configuration of a Lakehouse process.
//
// Built from, in order of precedence: LAKEHOUSE_<SECTION>_<KEY> environment variables, then
// lakehouse.toml (if any), then the documented default of every key. The process is
// restartable from config + buckets alone. A Config is a plain value; share it freely.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace lakehouse {

//! [server] -- the HTTP gateway.
struct ServerOptions {
  std::string host = "127.0.0.1";         //!< bind address; loopback unless configured otherwise
  int port = 3100;                        //!< HTTP port (0 picks a free one)
  int threads = 0;                        //!< I/O threads; 0 means one per core
  int64_t max_body_bytes = 64LL << 20;    //!< largest request body accepted in memory
  int64_t max_upload_bytes = 20LL << 30;  //!< largest file upload (streamed to disk, never in memory)
  int workers = 0;                        //!< handler threads; 0 means 4 per core, at least 8
  int queue_depth = 256;                  //!< requests waiting for a worker before 503 + Retry-After
  int request_timeout_ms = 30000;         //!< a request idle or unfinished this long is dropped
  int shutdown_grace_ms = 10000;          //!< how long in-flight requests may finish on SIGTERM
  int health_interval_ms = 1000;          //!< how often service health is re-checked
};

//! [log] -- structured logs on stderr.
struct LogOptions {
  std::string level = "info";   //!< trace | debug | info | warn | error | off
  std::string format = "json";  //!< json (one object a line) | text
  bool access_log = true;       //!< one line for every HTTP request
};

//! One bucket: [storage.buckets.NAME].
struct BucketOptions {
  std::string name;               //!< the table key, e.g. "primary"
  std::string backend = "local";  //!< local (a directory) | s3 (an S3-compatible service)
  std::string path;               //!< local root directory; empty means storage.data_dir (primary only)
  std::string endpoint;  //!< s3: e.g. "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"
  std::string region = "us-east-1";  //!< s3: the signing region
  std::string bucket;                //!< s3: the remote bucket's name; empty means `name`
  std::string url_style = "path";    //!< s3: path (endpoint/bucket/key) | virtual (bucket.endpoint/key)
  std::string secret_ref;  //!< s3: env:NAME or file:PATH holding "ACCESS_KEY:SECRET_KEY"; never the secret
  int connect_timeout_ms = 5000;   //!< s3: connect limit per attempt
  int request_timeout_ms = 60000;  //!< s3: whole-request limit per attempt
  int max_attempts = 4;            //!< s3: tries per request (retries on 5xx and transport errors)
  //! primary | profile:{user} | tenant | rescue. Defaults from the name: "primary" and "rescue"
  //! are their own class, every other bucket is "tenant".
  std::string bucket_class;
};

//! [storage] -- object storage.
struct StorageOptions {
  std::string data_dir = "./lakehouse-data";     //!< root of the embedded primary bucket
  std::map<std::string, BucketOptions> buckets;  //!< always holds "primary" after loading
};

//! [engine] -- the embedded DuckDB.
struct EngineOptions {
  std::string memory_limit;   //!< e.g. "4GB"; empty means DuckDB's default (80% of RAM)
  int threads = 0;            //!< DuckDB worker threads; 0 means one per core
  std::string extension_dir;  //!< where DuckDB extensions live; empty means the built-in default
  std::string temp_dir;       //!< spill directory; empty means DuckDB's default
};

//! One model profile: [ai.profiles.NAME].
struct AiProfileOptions {
  std::string name;               //!< the table key, e.g. "minilm"
  std::string task = "embed";     //!< embed | generate
  std::string backend = "llama";  //!< llama (embedded llama.cpp) | openai (OpenAI-compatible) | ollama
  std::string model;              //!< model name recorded with results (and sent to remote servers)
  std::string path;               //!< llama: the GGUF file
  std::string endpoint;           //!< openai/ollama: base URL, e.g. http://127.0.0.1:8080/v1
  std::string secret_ref;         //!< openai/ollama: env:NAME or file:PATH holding the API key; "" = none
  int timeout_ms = 60000;         //!< openai/ollama: per attempt (streams: the longest silence)
  int max_attempts = 3;           //!< openai/ollama: attempts; transport failures and 5xx are retried
  std::string version = "1";      //!< model version recorded with every embedding
  int dims = 0;                   //!< embedding dimensions; 0 means read them from the model
  int batch_size = 2048;          //!< llama: tokens per forward pass; openai/ollama: texts per request
  int context = 0;                //!< tokens one input may use; 0 means the model's own limit
  int parallel = 2;               //!< llama: concurrent calls (one context each)
};

//! [ai] -- embedding and generation models.
struct AiOptions {
  std::string embed_profile = "minilm";              //!< profile used when a request names none
  std::string generate_profile = "smollm2";          //!< profile used when a request names none
  int max_texts = 256;                               //!< texts one embed request may carry
  int threads = 0;                                   //!< CPU threads per embedded call; 0 = one per core
  std::map<std::string, AiProfileOptions> profiles;  //!< defaults: minilm and smollm2 (bootstrap's models)
};

//! [query] -- POST /query and `lakehouse query`: limits of the read-only SQL sandbox.
struct QueryServiceOptions {
  std::string memory_limit = "2GB";      //!< DuckDB memory limit of the sandbox; "" = DuckDB's default
  int threads = 0;                       //!< DuckDB threads of the sandbox; 0 means one per core
  int64_t timeout_ms = 30000;            //!< deadline of a query that names none
  int64_t max_timeout_ms = 300000;       //!< the largest timeout_ms a query may ask for
  int64_t max_result_rows = 10'000'000;  //!< results with more rows fail (413)
};

//! [catalog] -- dataset versions: retention (applied by `lakehouse gc`), writers and compaction.
struct CatalogRetentionOptions {
  int retain_versions = 0;        //!< keep at most this many newest versions per dataset; 0 = all
  int retain_days = 0;            //!< remove versions superseded more than this many days ago; 0 = never
  int writer_lease_ttl_s = 30;    //!< a dead writer's lease on a dataset expires after this long
  int compact_after_deltas = 32;  //!< compact a dataset once it has this many deltas; 0 = never
};

struct Config {
  ServerOptions server;
  LogOptions log;
  StorageOptions storage;
  EngineOptions engine;
  QueryServiceOptions query;
  CatalogRetentionOptions catalog;
  AiOptions ai;
  std::string source = "(defaults)";  //!< the file the config came from, for messages
};

//! Where a config is read from.
struct ConfigSources {
  std::optional<std::string> file;         //!< a lakehouse.toml; must exist when given
  std::map<std::string, std::string> env;  //!< environment (only LAKEHOUSE_* entries are read)
};

//! Reads the environment of this process into ConfigSources::env (LAKEHOUSE_* entries only).
std::map<std::string, std::string> LakehouseEnvironment();

//! Builds the effective config. Returns InvalidArgument naming file, line and key for an
//! unknown key, a value of the wrong type or a value out of range -- never a silent default.
//! Returns NotFound if `sources.file` is given and does not exist.
Result<Config> LoadConfig(const ConfigSources& sources);

//! Renders a config as a complete lakehouse.toml (every key, with its effective value).
std::string ConfigToToml(const Config& config);

}  // namespace lakehouse
