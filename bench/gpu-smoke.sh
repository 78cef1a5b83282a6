#!/usr/bin/env bash
# First call on a GPU host: unpack the staged bundle and check it runs there (CUDA visible, bf16 training
# moves the loss, the matmul rate, one 7B step). Usage: bench/gpu-smoke.sh STAGE_DIR OUT_DIR
set -uo pipefail
stage="$1"; out="$2"
[[ -d "$stage/lomo-spark" ]] || sh "$stage/assemble.sh" || exit 1
L="$stage/lomo-spark/bin/lomo-trainer"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$L" train --device cuda:0 --dtype bf16 --steps 30 --log-every 10 2>&1 | tail -4
"$L" bench --device cuda:0 --dtype bf16 --cases matmul:plain | tee -a "$out/smoke.jsonl"
"$L" bench --device cuda:0 --dtype bf16 --model llama-7b --seq 512 --batch 8 --warmup-steps 2 --repeat 3 \
  --cases lomo:block,lomo:hook | tee -a "$out/smoke.jsonl"
