#!/usr/bin/env python3
"""TPC-H through Lakehouse, measured against DuckDB direct and Apache DataFusion in one run.

Steps (all on this machine, in one go):
  1. DuckDB's tpch extension (the pinned one) generates TPC-H at --sf; each table is exported as CSV.
  2. Ingest throughput: `lakehouse ingest lineitem.csv` (type inference, Parquet zstd, catalog commit)
     against DuckDB's own COPY of the same CSV to Parquet (zstd), timed back to back.
  3. Every table is ingested with `lakehouse ingest`; the Parquet files the lakehouse wrote are the
     files all three engines read.
  4. The 22 queries run through POST /query of `lakehouse serve` (release build), in DuckDB direct
     (python duckdb, the engine's version) and in DataFusion, interleaved query by query so that
     noise on the shared machine hits every engine alike; each query's figure is the best of --runs.
     Every engine's answer is checked against DuckDB direct's (row count and values).
  5. Prints a table and, with --docs, writes it into docs/benchmarks.md between the tpch markers.

Usage: bench/tpch.py [--sf 1] [--runs 3] [--lakehouse build/release/src/cli/lakehouse]
                     [--work DIR] [--docs docs/benchmarks.md]
The first run creates a venv ($LAKEHOUSE_CACHE/bench-venv) from bench/requirements-tpch.txt.
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("LAKEHOUSE_CACHE", os.path.expanduser("~/.cache/lakehouse"))
VENV = os.path.join(CACHE, "bench-venv")
REQUIREMENTS = os.path.join(REPO, "bench", "requirements-tpch.txt")
TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"]


def ensure_venv():
    """Re-executes this script inside the bench venv, creating or updating it first."""
    stamp = os.path.join(VENV, "requirements.sha256")
    with open(REQUIREMENTS, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    have = open(stamp).read().strip() if os.path.exists(stamp) else ""
    if have != want:
        print(f"bench: preparing {VENV} from {REQUIREMENTS}", file=sys.stderr)
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet", "--require-hashes",
                        "--no-deps", "-r", REQUIREMENTS], check=True)
        with open(stamp, "w") as f:
            f.write(want + "\n")
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python] + sys.argv)


def pinned_duckdb_version():
    with open(os.path.join(REPO, "deps", "pins.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "duckdb-extension-tpch":
                return parts[2]
    raise SystemExit("bench: deps/pins.txt names no duckdb-extension-tpch pin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


class Lakehouse:
    """`lakehouse serve` on a free loopback port over the bench's data directory."""

    def __init__(self, binary, data_dir):
        self.port = free_port()
        self.log = open(os.path.join(os.path.dirname(data_dir), "serve.log"), "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
        env["LAKEHOUSE_QUERY_MEMORY_LIMIT"] = "8GB"
        env["LAKEHOUSE_QUERY_TIMEOUT_MS"] = "300000"
        env["LAKEHOUSE_LOG_ACCESS_LOG"] = "false"
        self.proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--port", str(self.port)],
                                     stderr=self.log, stdout=subprocess.DEVNULL, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"bench: lakehouse serve exited; see {self.log.name}")
                time.sleep(0.1)
        raise SystemExit("bench: lakehouse serve did not answer within 60 s")

    def query(self, sql):
        body = json.dumps({"sql": sql, "format": "json", "timeout_ms": 300000}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/query", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as reply:
            return json.loads(reply.read())["rows"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def same_rows(got, want):
    """Answers agree when row counts match and every cell matches (numbers within 1e-6 relative)."""
    if len(got) != len(want):
        return False
    for g_row, w_row in zip(got, want):
        if len(g_row) != len(w_row):
            return False
        for g, w in zip(g_row, w_row):
            if isinstance(w, (int, float)) and not isinstance(w, bool) or hasattr(w, "as_tuple"):
                try:
                    gf, wf = float(g), float(w)
                except (TypeError, ValueError):
                    return False
                if not math.isclose(gf, wf, rel_tol=1e-6, abs_tol=1e-6):
                    return False
            elif str(g) != str(w) and not (hasattr(w, "isoformat") and str(g).startswith(w.isoformat())):
                return False
    return True


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


INGEST_ROUNDS = 5


def ingest_only(args, lineitem_csv, work, sf_text):
    """`lakehouse ingest` of lineitem vs DuckDB's COPY of the same CSV to Parquet, alternating."""
    import duckdb
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    copy_target = os.path.join(work, "duckdb-copy-lineitem.parquet")
    scratch_dir = os.path.join(work, "lakehouse-ingest-scratch")
    direct = duckdb.connect()
    lakehouse, duck, loads = [], [], []
    for _ in range(INGEST_ROUNDS):
        shutil.rmtree(scratch_dir, ignore_errors=True)
        cmd = [args.lakehouse, "ingest", lineitem_csv, "--name", "lineitem", "--owner", "bench",
               "--source-system", "tpch-dbgen", "--data-dir", scratch_dir, "--json"]
        seconds, done = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True))
        if done.returncode != 0:
            raise SystemExit(f"bench: ingest of lineitem failed: {done.stderr}")
        lakehouse.append(seconds)
        seconds, _ = timed(lambda: direct.execute(
            f"COPY (SELECT * FROM read_csv('{lineitem_csv}')) TO '{copy_target}' (FORMAT parquet, COMPRESSION zstd)"))
        duck.append(seconds)
        os.remove(copy_target)
        loads.append(os.getloadavg()[0])
        print(f"round: lakehouse ingest {lakehouse[-1]:.2f}s  DuckDB COPY {duck[-1]:.2f}s  "
              f"ratio {duck[-1] / lakehouse[-1] * 100:.0f} %  load {loads[-1]:.2f}", file=sys.stderr)
    shutil.rmtree(scratch_dir, ignore_errors=True)
    mb = os.path.getsize(lineitem_csv) / 1e6
    lh, dk = min(lakehouse), min(duck)
    print(f"Command: `bench/tpch.py --sf {sf_text} --ingest-only` (release build), {datetime.date.today()}, "
          f"{os.cpu_count()} cores, load average {min(loads):.2f}-{max(loads):.2f} during the run.")
    ratios = sorted(d / l for l, d in zip(lakehouse, duck))
    print(f"Ingest of the sf={sf_text} lineitem CSV ({mb:.0f} MB), best of {INGEST_ROUNDS} alternating rounds "
          f"(per-round ratios {', '.join(f'{d / l * 100:.0f} %' for l, d in zip(lakehouse, duck))}; "
          f"median {ratios[len(ratios) // 2] * 100:.0f} %).")
    print("")
    print("| ingest | seconds | MB/s | vs DuckDB |")
    print("|---|---:|---:|---:|")
    print(f"| lakehouse ingest | {lh:.2f} | {mb / lh:.1f} | {dk / lh * 100:.0f} % |")
    print(f"| DuckDB COPY | {dk:.2f} | {mb / dk:.1f} | 100 % |")
    return 0


def main():
    ensure_venv()
    import datafusion
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="runs per query and engine; the best counts")
    parser.add_argument("--lakehouse", default=os.path.join(REPO, "build/release/src/cli/lakehouse"))
    parser.add_argument("--work", default=os.path.join(REPO, "build/bench-tpch"), help="scratch directory")
    parser.add_argument("--docs", help="write the table into this markdown file (docs/benchmarks.md)")
    parser.add_argument("--ingest-only", action="store_true",
                        help="only time `lakehouse ingest` of lineitem against DuckDB's COPY (5 rounds, "
                             "alternating) and print the figures; --docs is ignored")
    args = parser.parse_args()

    version = pinned_duckdb_version()
    if duckdb.__version__ != version:
        raise SystemExit(f"bench: python duckdb is {duckdb.__version__}, the engine is {version}")
    ext_dir = os.path.join(CACHE, f"duckdb-{version}", "extensions")
    if not os.access(args.lakehouse, os.X_OK):
        raise SystemExit(f"bench: no lakehouse binary at {args.lakehouse}; run `make build` first")

    sf_text = f"{args.sf:g}"
    work = os.path.join(args.work, f"sf{sf_text}")
    csv_dir = os.path.join(work, "csv")
    os.makedirs(csv_dir, exist_ok=True)
    gen = duckdb.connect()
    gen.execute(f"SET extension_directory = '{ext_dir}'")
    gen.execute("LOAD tpch")
    queries = gen.execute("SELECT query_nr, query FROM tpch_queries() ORDER BY 1").fetchall()
    if not all(os.path.exists(os.path.join(csv_dir, f"{t}.csv")) for t in TABLES):
        print(f"bench: generating TPC-H sf={sf_text} as CSV in {csv_dir}", file=sys.stderr)
        gen.execute(f"CALL dbgen(sf = {args.sf})")
        for t in TABLES:
            gen.execute(f"COPY {t} TO '{csv_dir}/{t}.csv.tmp' (FORMAT csv, HEADER true)")
            os.replace(f"{csv_dir}/{t}.csv.tmp", f"{csv_dir}/{t}.csv")
    gen.close()

    if args.ingest_only:
        return ingest_only(args, os.path.join(csv_dir, "lineitem.csv"), work, sf_text)

    # Ingest: all tables into a fresh lakehouse; lineitem timed against DuckDB's COPY.
    data_dir = os.path.join(work, "lakehouse-data")
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    lineitem_csv = os.path.join(csv_dir, "lineitem.csv")
    csv_bytes = os.path.getsize(lineitem_csv)
    ingest_seconds = {}
    for t in TABLES:
        cmd = [args.lakehouse, "ingest", os.path.join(csv_dir, f"{t}.csv"), "--name", t, "--owner", "bench",
               "--source-system", "tpch-dbgen", "--data-dir", data_dir, "--json"]
        seconds, done = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True))
        if done.returncode != 0:
            raise SystemExit(f"bench: ingest of {t} failed: {done.stderr}")
        ingest_seconds[t] = seconds
    copy_target = os.path.join(work, "duckdb-copy-lineitem.parquet")
    direct = duckdb.connect()
    duckdb_copy, _ = timed(lambda: direct.execute(
        f"COPY (SELECT * FROM read_csv('{lineitem_csv}')) TO '{copy_target}' (FORMAT parquet, COMPRESSION zstd)"))
    os.remove(copy_target)
    # Once more in the other order (into a scratch data directory), so that neither side always
    # runs second on a warm page cache.
    scratch_dir = os.path.join(work, "lakehouse-ingest-scratch")
    shutil.rmtree(scratch_dir, ignore_errors=True)
    cmd = [args.lakehouse, "ingest", lineitem_csv, "--name", "lineitem", "--owner", "bench",
           "--source-system", "tpch-dbgen", "--data-dir", scratch_dir, "--json"]
    second, done = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True))
    if done.returncode != 0:
        raise SystemExit(f"bench: ingest of lineitem failed: {done.stderr}")
    shutil.rmtree(scratch_dir, ignore_errors=True)
    duckdb_copy2, _ = timed(lambda: direct.execute(
        f"COPY (SELECT * FROM read_csv('{lineitem_csv}')) TO '{copy_target}' (FORMAT parquet, COMPRESSION zstd)"))
    os.remove(copy_target)
    lh_ingest = min(ingest_seconds["lineitem"], second)
    duck_copy = min(duckdb_copy, duckdb_copy2)

    files = {}
    for t in TABLES:
        found = []
        for root, _, names in os.walk(os.path.join(data_dir, "datasets", t)):
            found += [os.path.join(root, n) for n in names if n.endswith(".parquet")]
        if not found:
            raise SystemExit(f"bench: no Parquet file for {t} under {data_dir}")
        files[t] = sorted(found)

    for t in TABLES:
        file_list = ", ".join(f"'{p}'" for p in files[t])
        direct.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet([{file_list}])")
    fusion = datafusion.SessionContext()
    for t in TABLES:
        fusion.register_parquet(t, files[t][0])

    server = Lakehouse(args.lakehouse, data_dir)
    results = []
    try:
        for nr, sql in queries:
            best = {"lakehouse": math.inf, "duckdb": math.inf, "datafusion": math.inf}
            answers = {}
            for _ in range(args.runs):
                for engine, run in (("lakehouse", lambda: server.query(sql)),
                                    ("duckdb", lambda: direct.execute(sql).fetchall()),
                                    ("datafusion", lambda: [tuple(r.values()) for b in fusion.sql(sql).collect()
                                                            for r in b.to_pylist()])):
                    seconds, rows = timed(run)
                    best[engine] = min(best[engine], seconds)
                    answers[engine] = rows
            agree = {e: same_rows(answers[e], answers["duckdb"]) for e in ("lakehouse", "datafusion")}
            results.append((nr, best, agree))
            print(f"Q{nr:02d}  lakehouse {best['lakehouse']:.3f}s  duckdb {best['duckdb']:.3f}s  "
                  f"datafusion {best['datafusion']:.3f}s  same answers: {agree}", file=sys.stderr)
    finally:
        server.stop()

    total = {e: sum(r[1][e] for r in results) for e in ("lakehouse", "duckdb", "datafusion")}
    mismatches = [f"Q{nr} ({', '.join(e for e, ok in agree.items() if not ok)})"
                  for nr, _, agree in results if not all(agree.values())]
    load = os.getloadavg()
    date = datetime.date.today().isoformat()
    command = "bench/tpch.py --sf {} --runs {} --docs docs/benchmarks.md".format(sf_text, args.runs)
    lines = [
        f"Command: `{command}` (release build), {date}, {os.cpu_count()} cores ({cpu_model()}),",
        f"load average {load[0]:.2f} at the end (the machine is shared). TPC-H sf={sf_text}, generated by",
        f"DuckDB's tpch extension, exported as CSV and ingested with `lakehouse ingest`; all three engines",
        f"read the same Parquet files the lakehouse wrote. Lakehouse = POST /query of `lakehouse serve`",
        f"(JSON over loopback HTTP); DuckDB = python duckdb {duckdb.__version__} in process; DataFusion =",
        f"python datafusion {datafusion.__version__} in process. Best of {args.runs} runs per query, engines",
        f"interleaved query by query. Targets: Lakehouse total within 10 % of DuckDB direct, faster",
        f"than DataFusion.",
        "",
        "| query | Lakehouse (s) | DuckDB (s) | DataFusion (s) | Lakehouse / DuckDB | Lakehouse / DataFusion |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for nr, best, _ in results:
        lines.append(f"| Q{nr} | {best['lakehouse']:.3f} | {best['duckdb']:.3f} | {best['datafusion']:.3f} | "
                     f"{best['lakehouse'] / best['duckdb']:.2f} | {best['lakehouse'] / best['datafusion']:.2f} |")
    lines.append(f"| **total** | **{total['lakehouse']:.2f}** | **{total['duckdb']:.2f}** | "
                 f"**{total['datafusion']:.2f}** | **{total['lakehouse'] / total['duckdb']:.2f}** | "
                 f"**{total['lakehouse'] / total['datafusion']:.2f}** |")
    lines.append("")
    lines.append("Answers: " + ("every engine's 22 answers agree with DuckDB direct." if not mismatches
                                else "differ from DuckDB direct: " + ", ".join(mismatches) + "."))
    lines.append("")
    mb = csv_bytes / 1e6
    lines += [
        f"Ingest of the sf={sf_text} lineitem CSV ({mb:.0f} MB, best of 2): `lakehouse ingest` (UTF-8 check and",
        f"hash, type inference, Parquet zstd, catalog commit) vs DuckDB's `COPY (FROM read_csv(...)) TO",
        f"'x.parquet' (FORMAT parquet, COMPRESSION zstd)`. Target: >= 80 % of DuckDB's throughput.",
        "",
        "| ingest | seconds | MB/s | vs DuckDB |",
        "|---|---:|---:|---:|",
        f"| lakehouse ingest | {lh_ingest:.2f} | {mb / lh_ingest:.1f} | {duck_copy / lh_ingest * 100:.0f} % |",
        f"| DuckDB COPY | {duck_copy:.2f} | {mb / duck_copy:.1f} | 100 % |",
    ]
    table = "\n".join(lines)
    print(table)
    if args.docs:
        with open(args.docs) as f:
            text = f.read()
        block = f"<!-- tpch:start -->\n{table}\n<!-- tpch:end -->"
        if "<!-- tpch:start -->" in text:
            text = re.sub(r"<!-- tpch:start -->.*?<!-- tpch:end -->", lambda _: block, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n## TPC-H: Lakehouse vs DuckDB direct vs DataFusion\n\n" + block + "\n"
        with open(args.docs, "w") as f:
            f.write(text)
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
