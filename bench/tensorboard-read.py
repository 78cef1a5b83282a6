#!/usr/bin/env python3
"""Reads a run's TensorBoard log with TensorBoard's own reader and prints what it found as JSON.

The product writes the events files itself (TensorBoardLog, to the format's definition); this checks them with
the `tensorboard` package, on a host that has it (the GPU machine's Python). A benchmark-side check, not part of
the product. Usage: bench/tensorboard-read.py RUN_DIR/tensorboard [METRICS_JSONL] > tensorboard-read.json
With METRICS_JSONL, also compares every step's loss and learning rate with the run's metrics.jsonl.
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2

logdir = sys.argv[1]
acc = event_accumulator.EventAccumulator(logdir, size_guidance={event_accumulator.SCALARS: 0})
acc.Reload()
tags = acc.Tags()
out = {"logdir": logdir, "scalar_tags": sorted(tags["scalars"]), "scalars": {}}
for tag in tags["scalars"]:
    events = acc.Scalars(tag)
    out["scalars"][tag] = {"count": len(events), "first": [events[0].step, events[0].value],
                           "last": [events[-1].step, events[-1].value]}
hparams = {}
for tag, content in acc.PluginTagToContent("hparams").items():
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if data.HasField("session_start_info"):
        for k, v in data.session_start_info.hparams.items():
            kind = v.WhichOneof("kind")
            hparams[k] = getattr(v, kind)
out["hparams"] = hparams
if len(sys.argv) > 2:
    steps = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    loss = {e.step: e.value for e in acc.Scalars("train/loss")}
    lr = {e.step: e.value for e in acc.Scalars("train/lr")}
    out["metrics_steps"] = len(steps)
    out["max_abs_loss_diff"] = max(abs(loss[s["step"]] - s["loss"]) for s in steps)
    out["max_abs_lr_diff"] = max(abs(lr[s["step"]] - s["lr"]) for s in steps)
print(json.dumps(out, indent=1, sort_keys=True))
