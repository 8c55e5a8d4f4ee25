#!/usr/bin/env python3
"""What merge-on-read costs in DuckDB itself: the mutations benchmark's data, read by DuckLake.

bench/mutations_bench measures Lakehouse's merged view (base + row deltas) against the same data
compacted, with a target of at most 1.5x. This script asks what DuckDB's own table format
achieves on the same data and queries, as a reference for that target: DuckLake (the pinned
extension, the engine's version) applies deletes inside its Parquet scan, as positional delete
files, which is the layout ADR-43 names as the way beyond SQL-level merges.

Data (as bench/mutations_bench.cpp): 1 M rows (id, name, score, city); 10 % of the keys
rewritten in --deltas batches. Measured in one python duckdb process, variants interleaved,
median of --runs:
  compacted   read_parquet of the merged rows written out as one file
  DuckLake    a DuckLake table: the base file registered as is, then per batch one transaction
              that deletes the batch's keys and inserts its rows (a delete file + a data file)
  filter      the compacted file read with a per-row filter inside the scan that drops 10 % of
              the rows (file_row_number % 10 <> 0): what evaluating any row filter costs

Usage: bench/merge_peers.py [--rows 1000000] [--deltas 10] [--runs 11] [--docs docs/benchmarks.md]
Uses the venv of bench/tpch.py ($LAKEHOUSE_CACHE/bench-venv, bench/requirements-tpch.txt).
"""

import argparse
import datetime
import glob
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpch  # noqa: E402  (the bench venv and helpers)

QUERIES = [
    ("GROUP BY city, avg(score)", "SELECT city, count(*), avg(score) FROM {} GROUP BY city"),
    ("point lookup (id = 4242)", "SELECT * FROM {} WHERE id = 4242"),
]


def ducklake_extension():
    import duckdb_extension_ducklake  # the wheel pinned in bench/requirements-tpch.txt
    found = glob.glob(os.path.join(os.path.dirname(duckdb_extension_ducklake.__file__), "**",
                                   "ducklake.duckdb_extension"), recursive=True)
    if not found:
        raise SystemExit("bench: the duckdb-extension-ducklake wheel holds no ducklake.duckdb_extension")
    return found[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--deltas", type=int, default=10)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--docs", help="write the table into this markdown file (docs/benchmarks.md)")
    args = parser.parse_args()
    if args.rows < 1000 or args.deltas < 1 or args.runs < 1:
        raise SystemExit("bench: --rows must be at least 1000, --deltas and --runs at least 1")
    tpch.ensure_venv()
    import duckdb

    work = tempfile.mkdtemp(prefix="lakehouse-merge-peers-")
    try:
        con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        con.execute(f"LOAD '{ducklake_extension()}'")
        rows, updated = args.rows, args.rows // 10
        base = os.path.join(work, "base.parquet")
        con.execute(f"COPY (SELECT i AS id, 'name-' || i AS name, (i * 7919) % 100 AS score, "
                    f"'city-' || (i % 50) AS city FROM range({rows}) t(i)) TO '{base}' "
                    f"(FORMAT parquet, COMPRESSION zstd)")
        con.execute(f"ATTACH 'ducklake:{work}/lake.meta' AS lake (DATA_PATH '{work}/lake-data/')")
        con.execute("CREATE TABLE lake.t (id BIGINT, name VARCHAR, score BIGINT, city VARCHAR)")
        con.execute(f"CALL ducklake_add_data_files('lake', 't', '{base}')")
        for d in range(args.deltas):
            lo, hi = d * updated // args.deltas, (d + 1) * updated // args.deltas
            batch = (f"SELECT k AS id, 'renamed-' || k AS name, 100 - (k % 100) AS score, "
                     f"'city-' || (k % 50) AS city FROM (SELECT (i * 9973) % {rows} AS k FROM range({lo}, {hi}) t(i))")
            con.execute("BEGIN")
            con.execute(f"DELETE FROM lake.t WHERE id IN (SELECT id FROM ({batch}))")
            con.execute(f"INSERT INTO lake.t {batch}")
            con.execute("COMMIT")
        compacted = os.path.join(work, "compacted.parquet")
        con.execute(f"COPY (SELECT * FROM lake.t) TO '{compacted}' (FORMAT parquet, COMPRESSION zstd)")
        flat = f"read_parquet('{compacted}')"
        counts = {con.execute(f"SELECT count(*), sum(score) FROM {r}").fetchone() for r in (flat, "lake.t")}
        if len(counts) != 1:
            raise SystemExit(f"bench: DuckLake and the compacted file disagree: {counts}")
        meta = "__ducklake_metadata_lake"
        delete_files = con.execute(f"SELECT count(*) FROM {meta}.ducklake_delete_file").fetchone()[0]
        data_files = con.execute(f"SELECT count(*) FROM {meta}.ducklake_data_file").fetchone()[0]

        variants = {
            "DuckLake": "lake.t",
            "compacted": flat,
            "filter": f"(SELECT * EXCLUDE (file_row_number) FROM read_parquet('{compacted}', "
                      f"file_row_number = true) WHERE file_row_number % 10 <> 0)",
        }
        table = []
        for label, pattern in QUERIES:
            times = {k: [] for k in variants}
            for _ in range(args.runs):
                for name, relation in variants.items():
                    start = time.perf_counter()
                    con.execute(pattern.format(relation)).fetchall()
                    times[name].append(time.perf_counter() - start)
            med = {k: statistics.median(v) for k, v in times.items()}
            table.append((f"{label}: DuckLake ({args.deltas} delete + insert commits) vs compacted",
                          f"{med['DuckLake'] * 1e3:.1f} ms vs {med['compacted'] * 1e3:.1f} ms = "
                          f"{med['DuckLake'] / med['compacted']:.2f}x"))
            table.append((f"{label}: compacted with a per-row filter in the scan (drops 10 %) vs compacted",
                          f"{med['filter'] * 1e3:.1f} ms vs {med['compacted'] * 1e3:.1f} ms = "
                          f"{med['filter'] / med['compacted']:.2f}x"))
        load = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"Command: `bench/merge_peers.py --rows {rows} --deltas {args.deltas} --runs {args.runs}` "
        f"(python duckdb {duckdb.__version__} with the ducklake extension of the same version), "
        f"{datetime.date.today()}, {os.cpu_count()} cores, load average {load:.2f} at the end. Same data as "
        f"mutations_bench: {rows:,} rows, {updated:,} keys rewritten in {args.deltas} commits "
        f"(DuckLake data files: {data_files}, delete files: {delete_files}); median of {args.runs}, "
        f"variants interleaved.",
        "",
        "| measurement | figure |",
        "|---|---:|",
    ] + [f"| {what} | {figure} |" for what, figure in table]
    text = "\n".join(lines)
    print(text)
    if args.docs:
        with open(args.docs) as f:
            doc = f.read()
        start, end = "<!-- merge-peers:start -->", "<!-- merge-peers:end -->"
        if start not in doc or end not in doc:
            raise SystemExit(f"bench: {args.docs} has no {start} ... {end} block")
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        with open(args.docs, "w") as f:
            f.write(head + start + "\n" + text + "\n" + end + tail)


if __name__ == "__main__":
    main()
