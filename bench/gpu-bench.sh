#!/usr/bin/env bash
# The single-GPU benchmark call: lomo-spark cases and the Python references side by side on one card, the
# matmul rate of that card, and the bf16-on-GPU vs fp32-on-CPU loss-curve check. Every JSON line goes to
# OUT/h100.jsonl as it is measured, so a run cut short still returns what it finished.
# Usage: bench/gpu-bench.sh STAGE_DIR OUT_DIR   (STAGE_DIR holds the bundle parts or lomo-spark/ unpacked)
set -uo pipefail
stage="$1"; out="$2"
[[ -d "$stage/lomo-spark" ]] || sh "$stage/assemble.sh" || exit 1
L="$stage/lomo-spark/bin/lomo-trainer"
R="python3 bench/reference.py --lomo-src .ref --warmup-steps 2 --repeat 3"
J="$out/h100.jsonl"
export PYTHONUNBUFFERED=1
ours() { "$L" bench --device cuda:0 --dtype bf16 --warmup-steps 2 --repeat 4 "$@" | tee -a "$J"; }
ref() { $R "$@" | tee -a "$J"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$L" bench --device cuda:0 --dtype bf16 --cases matmul:plain | tee -a "$J"

# 7B, 512 x 8 (paper Table 1)
ours --model llama-7b --seq 512 --batch 8 --cases lomo:block --profile true
ours --model llama-7b --seq 512 --batch 8 --cases lomo:block --offload true --profile true
ours --model llama-7b --seq 512 --batch 8 --cases lomo:hook
ref --model llama-7b --seq 512 --batch 8 --ref native
ref --model llama-7b --seq 512 --batch 8 --ref authors
# 7B, 512 x 8, two-pass norm clipping; AdaLomo
ours --model llama-7b --seq 512 --batch 8 --cases lomo:block --clip-norm 1.0 --offload true
ref --model llama-7b --seq 512 --batch 8 --ref authors --clip-norm 1.0
ours --model llama-7b --seq 512 --batch 8 --cases adalomo:block --offload true
ref --model llama-7b --seq 512 --batch 8 --ref authors --optimizer adalomo
# 7B, 1024 x 1 (paper Table 2)
ours --model llama-7b --seq 1024 --batch 1 --cases lomo:block
ref --model llama-7b --seq 1024 --batch 1 --ref authors
# 7B, 2048 x 4
ours --model llama-7b --seq 2048 --batch 4 --cases lomo:block --offload true
ours --model llama-7b --seq 2048 --batch 4 --cases lomo:block
ref --model llama-7b --seq 2048 --batch 4 --ref native
ref --model llama-7b --seq 2048 --batch 4 --ref authors
# TinyLlama-1.1B shape, 2048 x 4
ours --model tinyllama-1.1b --seq 2048 --batch 4 --cases lomo:block --profile true
ref --model tinyllama-1.1b --seq 2048 --batch 4 --ref native
ref --model tinyllama-1.1b --seq 2048 --batch 4 --ref authors

# Numerics: the same 50 steps (same initial weights, same data) in bf16 on the GPU and in fp32 on the CPU, at a
# learning rate where the curves are not dominated by how chaotic SGD at a huge rate is; then the GPU run again
# with block inputs parked in host memory, which must not change a single bit.
common=(train --model demo --init-on cpu --steps 50 --lr 0.05 --log-every 50 --seed 7)
rm -f "$out"/loss-*.jsonl
"$L" "${common[@]}" --device cpu --dtype f32 --metrics "$out/loss-cpu-f32.jsonl"
"$L" "${common[@]}" --device cuda:0 --dtype bf16 --metrics "$out/loss-gpu-bf16.jsonl"
"$L" "${common[@]}" --device cuda:0 --dtype bf16 --offload true --metrics "$out/loss-gpu-bf16-offload.jsonl"
python3 bench/compare_losses.py "$out/loss-cpu-f32.jsonl" "$out/loss-gpu-bf16.jsonl" | tee "$out/numerics.json"
python3 bench/compare_losses.py "$out/loss-gpu-bf16.jsonl" "$out/loss-gpu-bf16-offload.jsonl" | tee "$out/offload-numerics.json"
