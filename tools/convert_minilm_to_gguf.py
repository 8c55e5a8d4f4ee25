#!/usr/bin/env python3
"""Converts a BERT sentence-embedding model (safetensors + vocab.txt, as sentence-transformers
ships all-MiniLM-L6-v2) into a GGUF file that llama.cpp's "bert" architecture loads.

Needs only numpy, safetensors and gguf (deps/requirements-ai.txt) -- no torch.

    convert_minilm_to_gguf.py MODEL_DIR OUT.gguf [--name all-MiniLM-L6-v2]

MODEL_DIR holds config.json, model.safetensors, vocab.txt and tokenizer_config.json.
The GGUF keeps the weights in float32 so that embeddings match the reference implementation.
"""

import argparse
import json
import os
import re
import sys

import numpy as np
from gguf import GGUFWriter, PoolingType, TokenType
from safetensors.numpy import load_file

# Hugging Face BERT parameter names -> llama.cpp tensor names (per layer where "{i}" appears).
GLOBAL_TENSORS = {
    "embeddings.word_embeddings.weight": "token_embd.weight",
    "embeddings.position_embeddings.weight": "position_embd.weight",
    "embeddings.token_type_embeddings.weight": "token_types.weight",
    "embeddings.LayerNorm.weight": "token_embd_norm.weight",
    "embeddings.LayerNorm.bias": "token_embd_norm.bias",
}
LAYER_TENSORS = {
    "attention.self.query": "attn_q",
    "attention.self.key": "attn_k",
    "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output",
    "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up",
    "output.dense": "ffn_down",
    "output.LayerNorm": "layer_output_norm",
}
# Parameters the embedding graph does not use.
SKIPPED = re.compile(r"^(embeddings\.position_ids|pooler\..*|cls\..*)$")
LAYER_RE = re.compile(r"^encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$")

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def fail(message):
    print(f"convert_minilm_to_gguf: {message}", file=sys.stderr)
    sys.exit(1)


def tensor_name(hf_name):
    """Returns the GGUF name for a parameter, None to skip it; fails on anything unexpected."""
    if hf_name.startswith("bert."):
        hf_name = hf_name[len("bert."):]
    if SKIPPED.match(hf_name):
        return None
    if hf_name in GLOBAL_TENSORS:
        return GLOBAL_TENSORS[hf_name]
    match = LAYER_RE.match(hf_name)
    if match and match.group(2) in LAYER_TENSORS:
        return f"blk.{match.group(1)}.{LAYER_TENSORS[match.group(2)]}.{match.group(3)}"
    fail(f"unexpected parameter {hf_name!r}: this converter handles plain BERT encoders only")


def read_vocab(path):
    with open(path, encoding="utf-8") as f:
        tokens = [line.rstrip("\n") for line in f]
    if tokens and tokens[-1] == "":
        tokens.pop()
    return tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("output")
    parser.add_argument("--name", default="all-MiniLM-L6-v2")
    args = parser.parse_args()

    def model_file(name):
        path = os.path.join(args.model_dir, name)
        if not os.path.isfile(path):
            fail(f"{path} is missing; MODEL_DIR must be a sentence-transformers BERT model directory")
        return path

    with open(model_file("config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if config.get("model_type") != "bert":
        fail(f"model_type is {config.get('model_type')!r}, expected 'bert'")
    tokenizer_config = {}
    if os.path.isfile(os.path.join(args.model_dir, "tokenizer_config.json")):
        with open(os.path.join(args.model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            tokenizer_config = json.load(f)
    lowercase = bool(tokenizer_config.get("do_lower_case", True))
    strip_accents = tokenizer_config.get("strip_accents")
    if strip_accents is None:  # BERT's rule: accents are stripped exactly when text is lowercased
        strip_accents = lowercase

    tokens = read_vocab(model_file("vocab.txt"))
    if len(tokens) != config["vocab_size"]:
        fail(f"vocab.txt has {len(tokens)} tokens but config.json says vocab_size {config['vocab_size']}")
    index = {tok: i for i, tok in enumerate(tokens)}
    for tok in SPECIAL_TOKENS:
        if tok not in index:
            fail(f"vocab.txt lacks the special token {tok}")

    # llama.cpp's WordPiece tokenizer marks the start of a word with U+2581 and continuations
    # without a prefix -- the reverse of BERT's "##" convention -- so rewrite the vocabulary.
    gguf_tokens, token_types = [], []
    for tok in tokens:
        if tok in SPECIAL_TOKENS:
            gguf_tokens.append(tok)
            token_types.append(TokenType.CONTROL)
        elif tok.startswith("##"):
            gguf_tokens.append(tok[2:])
            token_types.append(TokenType.NORMAL)
        else:
            gguf_tokens.append("\u2581" + tok)
            token_types.append(TokenType.NORMAL)

    writer = GGUFWriter(args.output, "bert")
    writer.add_name(args.name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config["layer_norm_eps"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(PoolingType.MEAN)  # sentence-transformers' mean pooling
    writer.add_file_type(0)  # all float32

    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(gguf_tokens)
    writer.add_token_types(token_types)
    writer.add_token_type_count(config.get("type_vocab_size", 2))
    writer.add_bos_token_id(index["[CLS]"])
    writer.add_uint32("tokenizer.ggml.cls_token_id", index["[CLS]"])
    writer.add_sep_token_id(index["[SEP]"])
    writer.add_unk_token_id(index["[UNK]"])
    writer.add_pad_token_id(index["[PAD]"])
    writer.add_mask_token_id(index["[MASK]"])
    # BertNormalizer options, under the keys llama.cpp's vocabulary loader reads.
    writer.add_bool("tokenizer.ggml.normalizer.lowercase", lowercase)
    writer.add_bool("tokenizer.ggml.normalizer.strip_accents", bool(strip_accents))

    weights = load_file(model_file("model.safetensors"))
    written = 0
    for hf_name in sorted(weights):
        name = tensor_name(hf_name)
        if name is None:
            continue
        writer.add_tensor(name, np.ascontiguousarray(weights[hf_name], dtype=np.float32))
        written += 1
    expected = len(GLOBAL_TENSORS) + 2 * len(LAYER_TENSORS) * config["num_hidden_layers"]
    if written != expected:
        fail(f"wrote {written} tensors, expected {expected}; the checkpoint is not a complete BERT encoder")

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"convert_minilm_to_gguf: wrote {args.output} ({written} tensors, {len(tokens)} tokens)")


if __name__ == "__main__":
    main()
