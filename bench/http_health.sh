#!/usr/bin/env bash
# HTTP gateway load benchmark: wrk against GET /health on loopback, 256 connections.
#
#   bench/http_health.sh [path/to/lakehouse]     (make bench builds release and runs it)
#
# Runs the server twice -- access log off, then on (written to a file) -- so the cost of the
# per-request log line is visible side by side. Prints a table and rewrites the
# "http-health" section of docs/benchmarks.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$repo/build/release/src/cli/lakehouse}
duration=${BENCH_DURATION:-15s}
connections=${BENCH_CONNECTIONS:-256}
[ -x "$bin" ] || { echo "bench: $bin is not built; run 'make build' first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is not installed; run scripts/bootstrap" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_server() { # start_server ACCESS_LOG -> sets server_pid and port
  local log=$work/server-$1.log
  LAKEHOUSE_LOG_ACCESS_LOG=$1 "$bin" serve --port 0 --data-dir "$work/data" 2>"$log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    port=$(grep -o '"port":[0-9]*' "$log" 2>/dev/null | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "bench: server did not start; its log:" >&2; cat "$log" >&2; exit 1
}

stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

to_ms() { # wrk latency like 1.23ms / 850.00us / 1.02s -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else print v }'
}

declare -A rps p50 p99
for access in false true; do
  start_server "$access"
  wrk -t2 -c"$connections" -d2s "http://127.0.0.1:$port/health" >/dev/null  # warm-up
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port/health")
  echo "$out" > "$work/wrk-$access.txt"
  rps[$access]=$(echo "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  p50[$access]=$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99[$access]=$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  errors=$(echo "$out" | grep -E 'Non-2xx|Socket errors' || true)
  [ -z "$errors" ] || echo "bench: wrk reported: $errors" >&2
  stop_server
done

table=$(cat <<EOF
| access log | requests/s | p50 (ms) | p99 (ms) |
|---|---:|---:|---:|
| off | ${rps[false]} | ${p50[false]} | ${p99[false]} |
| on (JSON line per request) | ${rps[true]} | ${p50[true]} | ${p99[true]} |
EOF
)
echo "GET /health, wrk -t2 -c$connections -d$duration, server and wrk on the same $(nproc)-core machine"
echo "$table"

doc=$repo/docs/benchmarks.md
section=$(cat <<EOF
<!-- http-health:start -->
Command: \`make bench\` (runs \`bench/http_health.sh\`), $(date -u +%Y-%m-%d), $(nproc) cores,
server (release build, 2 I/O threads) and wrk (2 threads, $connections connections, $duration) on one machine.
Target: >= 40,000 requests/s and p99 <= 10 ms.

$table
<!-- http-health:end -->
EOF
)
python3 - "$doc" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- http-health:start -->.*?<!-- http-health:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "bench: wrote $doc"
