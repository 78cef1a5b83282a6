#!/usr/bin/env python3
"""Compares two metrics.jsonl loss curves step by step (reference first) and prints one JSON object."""
import json
import sys


def losses(path):
    with open(path) as f:
        return {r["step"]: r["loss"] for r in map(json.loads, f)}


ref, other = losses(sys.argv[1]), losses(sys.argv[2])
steps = sorted(ref)
if steps != sorted(other):
    sys.exit(f"the curves cover different steps: {len(ref)} vs {len(other)}")
rel = [abs(other[s] - ref[s]) / abs(ref[s]) for s in steps]
print(json.dumps({
    "reference": sys.argv[1].rsplit("/", 1)[-1], "compared": sys.argv[2].rsplit("/", 1)[-1], "steps": len(steps),
    "first_loss": [ref[steps[0]], other[steps[0]]], "last_loss": [ref[steps[-1]], other[steps[-1]]],
    "max_rel_diff": round(max(rel), 5), "mean_rel_diff": round(sum(rel) / len(rel), 5),
    "curve": [[s, round(ref[s], 5), round(other[s], 5)] for s in steps],
}))
