#!/usr/bin/env bash
# Spark's GPU discovery script: prints this host's GPUs as Spark's resource JSON, e.g.
#   {"name": "gpu", "addresses": ["0","1"]}
# Point spark.worker.resource.gpu.discoveryScript (standalone, local-cluster) or
# spark.executor.resource.gpu.discoveryScript (YARN, Kubernetes) at it. CUDA_VISIBLE_DEVICES, when set, limits the
# list to those devices, renumbered from 0 as CUDA numbers them.
set -euo pipefail
count=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  count=$(awk -F, '{print NF}' <<< "$CUDA_VISIBLE_DEVICES")
fi
addresses=""
for ((i = 0; i < count; i++)); do
  addresses+="${addresses:+,}\"$i\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
