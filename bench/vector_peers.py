#!/usr/bin/env python3
"""Peers of bench/vector_bench on the same data: hnswlib, FAISS (HNSW flat) and LanceDB (IVF_PQ).

Reads the files `vector_bench --dump DIR` writes (base.f32, queries.f32, truth.i32, meta.json: the
same vectors, held-back queries and exact top-10 our bench measures against) and prints one JSON
object per peer on stdout with the figures vector_bench reports for itself:

  build_s, search at ef (p50_us, p95_us, recall), cold_load_s (save to disk, then load),
  fetch_us (one random row by id), append_s (10,000 more rows), memory_mib (resident growth).

Run by bench/vector_bench.sh from its venv ($LAKEHOUSE_CACHE/vector-peers-venv, pinned by
bench/requirements-vector-peers.txt). Single-query latency runs on one thread, builds on two, as
ours. A peer that is not installed or fails prints {"peer", "error"} and the others still run.
"""
import importlib.metadata
import json
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def load(dump):
    meta = json.load(open(os.path.join(dump, "meta.json")))
    n, d, q, k = meta["n"], meta["dims"], meta["queries"], meta["k"]
    base = np.fromfile(os.path.join(dump, "base.f32"), dtype=np.float32).reshape(n, d)
    queries = np.fromfile(os.path.join(dump, "queries.f32"), dtype=np.float32).reshape(q, d)
    truth = np.fromfile(os.path.join(dump, "truth.i32"), dtype=np.int32).reshape(q, k)
    return meta, base, queries, truth


def measure(search, queries, truth, k):
    """Single-query latency (us) and recall@k of `search(q) -> ids`."""
    lat, hit = [], 0
    for i in range(queries.shape[0]):
        t = time.perf_counter()
        ids = search(queries[i])
        lat.append((time.perf_counter() - t) * 1e6)
        hit += len(set(int(x) for x in ids[:k]) & set(int(x) for x in truth[i]))
    lat.sort()
    return {
        "p50_us": lat[len(lat) // 2],
        "p95_us": lat[len(lat) * 95 // 100],
        "recall": hit / float(truth.size),
    }


def extra_rows(n, d, rows, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def run_hnswlib(meta, base, queries, truth, work, ef_list):
    import hnswlib

    n, d, k = base.shape[0], base.shape[1], meta["k"]
    out = {"peer": "hnswlib", "version": importlib.metadata.version("hnswlib")}
    before = rss_mib()
    t = time.perf_counter()
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=n, ef_construction=meta["ef_construction"], M=meta["m"], random_seed=100)
    index.add_items(base, np.arange(n), num_threads=2)
    out["build_s"] = time.perf_counter() - t
    out["memory_mib"] = rss_mib() - before
    out["search"] = {}
    for ef in ef_list:
        index.set_ef(ef)
        out["search"][str(ef)] = measure(lambda q: index.knn_query(q, k=k, num_threads=1)[0][0], queries, truth, k)
    path = os.path.join(work, "hnswlib.bin")
    index.save_index(path)
    t = time.perf_counter()
    loaded = hnswlib.Index(space="ip", dim=d)
    loaded.load_index(path, max_elements=n)
    out["cold_load_s"] = time.perf_counter() - t
    rng = random.Random(5)
    lat = []
    for _ in range(1000):
        i = rng.randrange(n)
        t = time.perf_counter()
        loaded.get_items([i])
        lat.append((time.perf_counter() - t) * 1e6)
    out["fetch_us"] = sorted(lat)[len(lat) // 2]
    more = extra_rows(n, d, 10000)
    t = time.perf_counter()
    loaded.resize_index(n + more.shape[0])
    loaded.add_items(more, np.arange(n, n + more.shape[0]), num_threads=2)
    out["append_s"] = time.perf_counter() - t
    out["append_note"] = "in memory (add_items), not saved"
    return out


def run_faiss(meta, base, queries, truth, work, ef_list):
    import faiss

    n, d, k = base.shape[0], base.shape[1], meta["k"]
    out = {"peer": "faiss HNSWFlat", "version": faiss.__version__}
    faiss.omp_set_num_threads(2)
    before = rss_mib()
    t = time.perf_counter()
    index = faiss.IndexHNSWFlat(d, meta["m"], faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = meta["ef_construction"]
    index.add(base)
    out["build_s"] = time.perf_counter() - t
    out["memory_mib"] = rss_mib() - before
    faiss.omp_set_num_threads(1)
    out["search"] = {}
    for ef in ef_list:
        index.hnsw.efSearch = ef
        out["search"][str(ef)] = measure(lambda q: index.search(q.reshape(1, -1), k)[1][0], queries, truth, k)
    path = os.path.join(work, "faiss.bin")
    faiss.write_index(index, path)
    t = time.perf_counter()
    loaded = faiss.read_index(path)
    out["cold_load_s"] = time.perf_counter() - t
    rng = random.Random(5)
    lat = []
    for _ in range(1000):
        i = rng.randrange(n)
        t = time.perf_counter()
        loaded.reconstruct(i)
        lat.append((time.perf_counter() - t) * 1e6)
    out["fetch_us"] = sorted(lat)[len(lat) // 2]
    faiss.omp_set_num_threads(2)
    more = extra_rows(n, d, 10000)
    t = time.perf_counter()
    loaded.add(more)
    out["append_s"] = time.perf_counter() - t
    out["append_note"] = "in memory (add), not saved"
    return out


def run_lancedb(meta, base, queries, truth, work, ef_list):
    import lancedb
    import pyarrow as pa

    n, d, k = base.shape[0], base.shape[1], meta["k"]
    out = {"peer": "LanceDB IVF_PQ", "version": lancedb.__version__}

    def table_of(vectors, first):
        ids = [f"d{i}" for i in range(first, first + vectors.shape[0])]
        flat = pa.array(vectors.reshape(-1), type=pa.float32())
        return pa.table({"doc_id": ids, "vector": pa.FixedSizeListArray.from_arrays(flat, d)})

    db_dir = os.path.join(work, "lance")
    db = lancedb.connect(db_dir)
    data = table_of(base, 0)
    t = time.perf_counter()
    table = db.create_table("bench", data=data)
    out["write_s"] = time.perf_counter() - t
    partitions = max(1, int(round(np.sqrt(n))))
    t = time.perf_counter()
    table.create_index(metric="dot", vector_column_name="vector", index_type="IVF_PQ",
                       num_partitions=partitions, num_sub_vectors=d // 16)
    out["build_s"] = time.perf_counter() - t
    out["search"] = {}
    id_of = {f"d{i}": i for i in range(n)}
    for nprobes in (10, 20, 40):
        def search(q):
            rows = table.search(q).metric("dot").limit(k).nprobes(nprobes).select(["doc_id"]).to_arrow()
            return [id_of[x] for x in rows["doc_id"].to_pylist()]
        out["search"][f"nprobes={nprobes}"] = measure(search, queries, truth, k)
    # Refined by exact distances over 10x candidates: how Lance reaches a usable recall with PQ.
    def refined(q):
        rows = (table.search(q).metric("dot").limit(k).nprobes(20).refine_factor(10)
                .select(["doc_id"]).to_arrow())
        return [id_of[x] for x in rows["doc_id"].to_pylist()]
    out["search"]["nprobes=20,refine=10"] = measure(refined, queries, truth, k)
    out["headline_search"] = "nprobes=20,refine=10"  # IVF_PQ has no ef; its usable setting
    t = time.perf_counter()
    reopened = lancedb.connect(db_dir).open_table("bench")
    reopened.search(queries[0]).metric("dot").limit(k).to_arrow()
    out["cold_load_s"] = time.perf_counter() - t
    rng = random.Random(5)
    lat = []
    for _ in range(200):
        i = rng.randrange(n)
        t = time.perf_counter()
        reopened.take_offsets([i]).select(["doc_id", "vector"]).to_arrow()
        lat.append((time.perf_counter() - t) * 1e6)
    out["fetch_us"] = sorted(lat)[len(lat) // 2]
    out["fetch_note"] = "take_offsets() by row position"
    more = table_of(extra_rows(n, d, 10000), n)
    t = time.perf_counter()
    reopened.add(more)
    out["append_s"] = time.perf_counter() - t
    out["append_note"] = "durable (a new fragment); the new rows are unindexed until the index is optimised"
    return out


def main():
    if len(sys.argv) < 2:
        print("usage: vector_peers.py DUMP_DIR [peer ...]  (peers: hnswlib faiss lancedb)", file=sys.stderr)
        return 2
    dump = sys.argv[1]
    peers = sys.argv[2:] or ["hnswlib", "faiss", "lancedb"]
    meta, base, queries, truth = load(dump)
    ef_list = meta.get("ef_list", [30])
    runners = {"hnswlib": run_hnswlib, "faiss": run_faiss, "lancedb": run_lancedb}
    for name in peers:
        work = tempfile.mkdtemp(prefix=f"vector-peers-{name}-")
        try:
            result = runners[name](meta, base, queries, truth, work, ef_list)
        except Exception as e:  # a missing or failing peer is reported, not fatal
            result = {"peer": name, "error": f"{type(e).__name__}: {e}"}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result["load_average"] = os.getloadavg()[0]
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
