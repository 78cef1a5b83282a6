#!/usr/bin/env python3
"""Draws the multi-GPU comparison (TGS per GPU and peak memory per GPU, lomo-spark's runs beside the LOMO paper's
Table 2 on RTX 3090s) from bench/dist-gpu.sh's JSON lines, one file per card.

Usage: python3 bench/plot_dist.py OUT.png CARD=FILE.jsonl [CARD=FILE.jsonl]...
  e.g. python3 bench/plot_dist.py docs/dist-benchmarks.png H100=bench/results/dist/scale.jsonl \
           H200=bench/results/dist/h200/large.jsonl
A documentation tool (needs matplotlib); not part of the build.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The LOMO paper, Table 2 (seq 1024, batch 1, RTX 3090 24GB): model -> (GPUs, TGS, memory GB)
PAPER = {"7B": (1, 769.92, 13.61), "13B": (2, 66.19, 15.92), "30B": (4, 11.61, 19.78), "65B": (8, 4.93, 19.18)}
NAMES = {"llama-7b": "7B", "llama-13b": "13B", "llama-30b": "30B", "llama-65b": "65B"}


def main():
    out, sources = sys.argv[1], sys.argv[2:]
    rows = []
    for source in sources:
        card, path = source.split("=", 1)
        rows += [dict(json.loads(line), card=card) for line in open(path) if '"tgs"' in line]
    rows.sort(key=lambda r: (list(PAPER).index(NAMES[r["model"]]), r["card"], r["gpus"]))
    labels = [f"{NAMES[r['model']]}\n{r['gpus']}x{r['card']}\ntp {r['tp']}" for r in rows]
    x = range(len(rows))
    width = 0.38
    fig, (a, b) = plt.subplots(1, 2, figsize=(17, 5.5))
    a.bar([i - width / 2 for i in x], [r["tgs"] for r in rows], width, label="lomo-spark, seq 1024 x 8")
    a.bar([i + width / 2 for i in x], [PAPER[NAMES[r["model"]]][1] for r in rows], width,
          label="LOMO paper, seq 1024 x 1, on its GPU count (7B 1, 13B 2, 30B 4, 65B 8 RTX 3090)")
    a.set_yscale("log")
    a.set_ylabel("tokens per GPU per second (log)")
    a.set_xticks(list(x), labels, fontsize=7)
    a.legend(fontsize=7)
    a.set_title("Throughput per GPU")
    b.bar([i - width / 2 for i in x], [r["peak_gib"] for r in rows], width, label="lomo-spark: peak allocated, GiB")
    b.bar([i + width / 2 for i in x], [PAPER[NAMES[r["model"]]][2] for r in rows], width,
          label="LOMO paper: memory, GB (on its GPU count)")
    b.set_ylabel("memory per GPU")
    b.set_xticks(list(x), labels, fontsize=7)
    b.legend(fontsize=7)
    b.set_title("Memory per GPU (bf16 weights + activations)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
