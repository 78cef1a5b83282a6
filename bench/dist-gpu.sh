#!/usr/bin/env bash
# Multi-GPU runs of `lomo-trainer dist` from the offline bundle (bin/make-bundle) on one host with 2 GPUs:
#  - NCCL parity: a 100M-parameter LLaMA in bf16 for 50 LOMO steps at tp 2 and at dp 2 (half the rows per rank),
#    against one GPU with the same global batch; per-step losses in parity-*.jsonl.
#  - Scale: LLaMA-7B and 13B shapes (random init, bf16, LOMO with block recomputation) at tp 1 and tp 2, the same
#    global batch; the summary line has tgs (tokens per GPU per second) and every rank's peak allocated memory.
#  - Large (2 x H200, 141 GB each): 30B at tp 1 and tp 2, 65B at tp 2 (and at tp 1, which may not fit), into
#    large.jsonl; a run that fails leaves a line {"model":..,"tp":..,"failed":exit status} and its stderr tail.
#  - tp4 (4 GPUs): 30B and 65B at tp 4, 7B at tp 1 and tp 4, into tp4.jsonl.
# Usage: bench/dist-gpu.sh BUNDLE_DIR OUT_DIR [parity|scale|large|tp4]...   (the first three when none is named;
#        BUNDLE_DIR holds lomo-spark/ from assemble.sh)
set -euo pipefail
bin="$1/lomo-spark/bin/lomo-trainer"
trainer=(timeout 150 "$bin")   # a hung collective ends the run, not the host
out="$2"
shift 2
parts=("${@:-parity scale large}")
parts=" ${parts[*]} "
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$out/gpus.txt"
common=(--device cuda --dtype bf16 --optimizer lomo --strategy block)
scale=(--seq 1024 --batch 8 --steps 7 --warmup-steps 2 --lr 1e-5)

if [[ "$parts" == *" parity "* ]]; then

parity=(--model 100m --seq 256 --steps 50 --lr 0.01 --warmup 5 --warmup-steps 5)
"${trainer[@]}" dist "${common[@]}" "${parity[@]}" --tp 1 --dp 1 --batch 8 > "$out/parity-tp1.jsonl"
"${trainer[@]}" dist "${common[@]}" "${parity[@]}" --tp 2 --dp 1 --batch 8 > "$out/parity-tp2.jsonl"
"${trainer[@]}" dist "${common[@]}" "${parity[@]}" --tp 1 --dp 2 --batch 4 > "$out/parity-dp2.jsonl" \
  || echo "parity dp 2 failed (exit $?)" >&2   # the scale runs still run
fi

if [[ "$parts" == *" scale "* ]]; then
  for model in llama-7b llama-13b; do
    for tp in 1 2; do
      "${trainer[@]}" dist "${common[@]}" "${scale[@]}" --model "$model" --tp "$tp" --dp 1 | tail -1 >> "$out/scale.jsonl"
    done
  done
fi

# Runs "model tp" pairs at dp 1 with a longer limit (drawing 65B of random weights takes a while), 5 timed steps as
# for 7B and 13B; each summary line goes to $out/NAME.jsonl, each run's step lines to NAME-model-tpN.jsonl. A run that
# fails leaves {"model":..,"tp":..,"failed":exit status} and the tail of its stderr.
runs() {
  local name="$1" run
  shift
  for run in "$@"; do
    set -- $run
    if timeout 300 "$bin" dist "${common[@]}" "${scale[@]}" --model "$1" --tp "$2" --dp 1 \
        > "$out/$name-$1-tp$2.jsonl" 2> "$out/$name-$1-tp$2.err"; then
      tail -1 "$out/$name-$1-tp$2.jsonl" >> "$out/$name.jsonl"
      rm -f "$out/$name-$1-tp$2.err"
    else
      echo "{\"model\":\"$1\",\"tp\":$2,\"failed\":$?}" >> "$out/$name.jsonl"
      tail -c 4000 "$out/$name-$1-tp$2.err" > "$out/$name-$1-tp$2.err.tail" && rm -f "$out/$name-$1-tp$2.err"
    fi
  done
}

if [[ "$parts" == *" large "* ]]; then
  runs large "llama-30b 2" "llama-65b 2" "llama-30b 1" "llama-65b 1"
fi

# 4 GPUs: 30B and 65B at tp 4, and 7B at tp 1 and tp 4 for the scaling on the same card
if [[ "$parts" == *" tp4 "* ]]; then
  runs tp4 "llama-30b 4" "llama-65b 4" "llama-7b 1" "llama-7b 4"
fi
