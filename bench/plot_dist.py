#!/usr/bin/env python3
"""Draws the multi-GPU comparison (TGS per GPU and peak memory per GPU, lomo-spark on H100s beside the LOMO
paper's Table 2 on RTX 3090s) from bench/dist-gpu.sh's scale.jsonl.

Usage: python3 bench/plot_dist.py bench/results/dist/scale.jsonl docs/dist-benchmarks.png
A documentation tool (needs matplotlib); not part of the build.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The LOMO paper, Table 2 (seq 1024, batch 1, RTX 3090): model -> (GPUs, TGS, memory GB)
PAPER = {"7B": (1, 769.92, 13.61), "13B": (2, 66.19, 15.92), "30B": (4, 11.61, 19.78), "65B": (8, 4.93, 19.18)}
NAMES = {"llama-7b": "7B", "llama-13b": "13B", "llama-30b": "30B", "llama-65b": "65B"}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if '"tgs"' in line]
    labels, ours_tgs, ours_peak, paper_tgs, paper_peak = [], [], [], [], []
    for r in rows:
        size = NAMES[r["model"]]
        labels.append(f"{size}\n{r['gpus']} GPU tp {r['tp']}")
        ours_tgs.append(r["tgs"])
        ours_peak.append(r["peak_gib"])
        gpus, tgs, mem = PAPER[size]
        paper_tgs.append(tgs if gpus == r["gpus"] else float("nan"))
        paper_peak.append(mem if gpus == r["gpus"] else float("nan"))
    x = range(len(labels))
    width = 0.38
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.bar([i - width / 2 for i in x], ours_tgs, width, label="lomo-spark, H100 80GB, seq 1024 x 8")
    a.bar([i + width / 2 for i in x], paper_tgs, width, label="LOMO paper, RTX 3090, seq 1024 x 1")
    a.set_yscale("log")
    a.set_ylabel("tokens per GPU per second (log)")
    a.set_xticks(list(x), labels)
    a.legend(fontsize=8)
    a.set_title("Throughput per GPU")
    b.bar([i - width / 2 for i in x], ours_peak, width, label="lomo-spark: peak allocated, GiB")
    b.bar([i + width / 2 for i in x], paper_peak, width, label="LOMO paper: memory, GB")
    b.set_ylabel("memory per GPU")
    b.set_xticks(list(x), labels)
    b.legend(fontsize=8)
    b.set_title("Memory per GPU (bf16 weights + activations)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
