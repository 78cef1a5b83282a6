#!/usr/bin/env python3
"""Draws the single-GPU comparison (TGS and peak memory, lomo-spark vs the references) from one results file.

Usage: python3 bench/plot_gpu.py bench/results/h100-run4/h100.jsonl docs/gpu-benchmarks.png
A documentation tool (needs matplotlib); not part of the build.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# (label, model, seq, batch, optimizer, lomo-spark offload?)
CASES = [
    ("7B 512x8", "llama-7b", 512, 8, "lomo", True),
    ("7B 512x8\nclip", "llama-7b", 512, 8, "lomo+clip", True),
    ("7B 512x8\nAdaLomo", "llama-7b", 512, 8, "adalomo", True),
    ("7B 1024x1", "llama-7b", 1024, 1, "lomo", False),
    ("7B 2048x4", "llama-7b", 2048, 4, "lomo", True),
    ("1.1B 2048x4", "tinyllama-1.1b", 2048, 4, "lomo", False),
]
SERIES = [("lomo-spark", "#1f77b4"), ("native", "#ff7f0e"), ("authors", "#2ca02c")]


def main():
    rows = [json.loads(line) for line in open(sys.argv[1])]
    rows = [r for r in rows if "tgs" in r]

    def find(series, model, seq, batch, opt, offload):
        for r in rows:
            same = (r["model"], r["seq"], r["batch"], r["optimizer"]) == (model, seq, batch, opt)
            if series == "lomo-spark" and r["impl"] == "lomo-spark" and same and r["strategy"] == "block":
                # offloaded runs are told apart by their lower peak: take the one the case asks for
                candidates = [x for x in rows if x["impl"] == "lomo-spark" and x["strategy"] == "block"
                              and (x["model"], x["seq"], x["batch"], x["optimizer"]) == (model, seq, batch, opt)]
                return min(candidates, key=lambda x: x["peak_gib"]) if offload else max(candidates, key=lambda x: x["peak_gib"])
            if r["impl"] == "reference" and r.get("ref") == series and same:
                return r
        return None

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.26
    for k, (series, color) in enumerate(SERIES):
        xs, tgs, peak = [], [], []
        for i, (_, model, seq, batch, opt, offload) in enumerate(CASES):
            r = find(series, model, seq, batch, opt, offload)
            authors = find("authors", model, seq, batch, opt, offload)
            if r:
                xs.append(i + (k - 1) * width)
                tgs.append(r["tgs"] / authors["tgs"])
                peak.append(r["peak_gib"])
        axes[0].bar(xs, tgs, width, label=series, color=color)
        axes[1].bar(xs, peak, width, label=series, color=color)
    axes[0].axhline(1.0, color="gray", linestyle="--", linewidth=1)
    for ax, title in ((axes[0], "tokens per GPU per second, relative to the authors' LOMO"),
                      (axes[1], "peak allocated GiB")):
        ax.set_xticks(range(len(CASES)))
        ax.set_xticklabels([c[0] for c in CASES], fontsize=8)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[1].axhline(12.55, color="gray", linestyle="--", linewidth=1)
    axes[1].text(5.4, 12.8, "7B weights", fontsize=7, color="gray", ha="right")
    axes[0].legend(fontsize=8)
    fig.suptitle("LOMO on one H100, bf16, random-init LLaMA shapes (" + sys.argv[1].split("/")[-2] + ")")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
