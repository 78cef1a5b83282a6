#!/usr/bin/env bash
# The recipe's GPU settings through the product's own entry points, on one GPU, from the offline bundle
# (bin/make-bundle --pipeline). One call per case:
#   7b         `lomo-spark run` (conf/gpu/local-cluster.conf, one GPU) on LLaMA-7B shapes, random bf16 weights,
#              LOMO with block recomputation and offloaded block inputs (train.offload=true) on the bundled
#              BoolQ: prepare, train (gpu_peak_gib per step in metrics.jsonl), export, evaluation on the GPU
#              (generation on the GPU is the estimator case's: `lomo-spark generate` runs LomoModel.generate).
#              Peer in the same call: `lomo-trainer bench` at the same
#              shape (the prepared rows' length x batch 8) with the same settings, whose peak the pipeline's
#              must equal.
#   estimator  bench/EstimatorGpu.java: LomoFineTuner.fit / LomoModel.transform / LomoModel.generate on cuda f32,
#              cpu f32 and cuda bf16, and cuda f32 against cpu f32 (losses, scores, greedy answers).
# Usage: bench/recipe-gpu.sh BUNDLE_DIR OUT_DIR 7b|estimator   (BUNDLE_DIR holds lomo-spark/ from assemble.sh)
set -uo pipefail
home="$(cd "$1" && pwd)/lomo-spark"
out="$2"
case_="$3"
mkdir -p "$out"
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader > "$out/gpus.txt"
start=$(date +%s)
one_gpu=('spark."spark.master"="local-cluster[1,1,98304]"' 'spark."spark.worker.resource.gpu.amount"=1'
  'spark."spark.executor.memory"="48g"' train.dp=1)
case "$case_" in
  7b)
    run=/tmp/lomo-recipe-7b
    rm -rf "$run"
    settings=(model.preset=llama-7b train.dtype=bf16 train.strategy=block train.offload=true train.batch=8
      train.steps=6 train.warmup=1 train.lr=0.001 prepare.shards=1 evaluate.batch=16)
    timeout 420 "$home/bin/lomo-spark" run --config "$home/conf/gpu/local-cluster.conf" run-dir="$run" \
      "${one_gpu[@]}" "${settings[@]}" > "$out/run-stdout.log" 2> "$out/run-stderr.log"
    rc=$?
    echo "run rc $rc after $(( $(date +%s) - start )) s"
    cp "$run/metrics.jsonl" "$run/eval.json" "$run/prepared/manifest.json" "$run/model/config.json" "$out/" 2>/dev/null
    ls -la "$run/model" > "$out/model-files.txt" 2>/dev/null
    rm -rf "$run" # 27 GB of checkpoint and export
    # the trainer at the shape the pipeline trained: rows of the prepared data's longest row, batch 8
    seq=$(( $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['longest_row'])" "$out/manifest.json") - 1 ))
    timeout 240 "$home/bin/lomo-trainer" bench --device cuda:0 --dtype bf16 --model llama-7b --seq "$seq" --batch 8 \
      --cases lomo:block --offload true --warmup-steps 2 --repeat 4 > "$out/trainer-bench.jsonl" 2> "$out/trainer-bench-stderr.log"
    brc=$?
    echo "{\"case\":\"7b\",\"run_rc\":$rc,\"bench_rc\":$brc,\"seq\":$seq,\"wall_s\":$(( $(date +%s) - start ))}" \
      > "$out/summary.json"
    cat "$out/run-stdout.log" "$out/metrics.jsonl" "$out/trainer-bench.jsonl" "$out/summary.json"
    ;;
  estimator)
    LOMO_MAIN="$(pwd)/bench/EstimatorGpu.java" timeout 540 "$home/bin/lomo-spark" "$out" /tmp/lomo-estimator-gpu \
      > "$out/estimator-stdout.log" 2> "$out/estimator-stderr.log"
    rc=$?
    echo "{\"case\":\"estimator\",\"rc\":$rc,\"wall_s\":$(( $(date +%s) - start ))}" > "$out/summary.json"
    grep -E '^\{|rank .* ran on|fine-tuning on' "$out/estimator-stdout.log"; cat "$out/summary.json"
    ;;
  *) echo "unknown case $case_ (7b or estimator)" >&2; exit 2 ;;
esac
grep -nE 'Exception|ERROR|Caused by' "$out"/*stderr*.log | cut -c1-300 | head -60 > "$out/errors-excerpt.log"
