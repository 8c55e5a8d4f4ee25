#!/usr/bin/env python3
"""The reference side of bench/embed_bench.sh: sentence-transformers (CPU torch) embedding the same
sentences with the same all-MiniLM-L6-v2 weights, in batches of the given sizes.

    embed_bench_st.py MODEL_DIR SENTENCES_FILE BATCHES MIN_SECONDS THREADS

Prints the same JSON lines as bench/embed_bench.cpp: one per batch size, then the peak RSS.
Needs torch, so it runs only in the bench venv bench/embed_bench.sh prepares -- never in CI.
"""

import json
import resource
import sys
import time

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    model_dir, path, batches, min_seconds, threads = sys.argv[1:]
    torch.set_num_threads(int(threads))
    with open(path, encoding="utf-8") as f:
        sentences = [line for line in f.read().split("\n") if line]
    model = SentenceTransformer(model_dir, device="cpu")
    model.encode(sentences[:8], batch_size=8, normalize_embeddings=True)  # warm-up
    for batch in (int(b) for b in batches.split(",")):
        done, nxt, elapsed = 0, 0, 0.0
        start = time.perf_counter()
        while elapsed < float(min_seconds) or done < len(sentences):
            chunk = [sentences[(nxt + k) % len(sentences)] for k in range(batch)]
            nxt = (nxt + batch) % len(sentences)
            model.encode(chunk, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)
            done += len(chunk)
            elapsed = time.perf_counter() - start
        print(json.dumps({"impl": "sentence-transformers", "batch": batch, "sentences": done,
                          "seconds": round(elapsed, 3), "per_second": round(done / elapsed, 1)}), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"impl": "sentence-transformers", "peak_rss_mb": round(peak, 1),
                      "reference": sentence_transformers.__version__, "torch": torch.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
