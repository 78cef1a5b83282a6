#!/usr/bin/env bash
# The whole pipeline through Spark on the GPUs of one host, from the offline bundle (bin/make-bundle --pipeline):
# `lomo-spark run` with conf/gpu/local-cluster.conf (one executor per GPU, one GPU per task, GPUs found by
# conf/gpu/discover-gpus.sh): prepare, dp 2 training over NCCL in barrier tasks with a drill that fails the last
# rank once mid-run (Spark retries the stage, which resumes from the last checkpoint), export, evaluation on the
# GPUs. nvidia-smi's list of compute processes, sampled every 2 s, shows which GPU each executor JVM used.
# Usage: bench/spark-gpu.sh BUNDLE_DIR OUT_DIR [key=value]...   (BUNDLE_DIR holds lomo-spark/ from assemble.sh)
set -uo pipefail
home="$1/lomo-spark"
out="$2"
shift 2
run=/tmp/lomo-spark-gpu-run
rm -rf "$run"
mkdir -p "$out"
nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader > "$out/gpus.txt"
nvidia-smi --query-compute-apps=timestamp,pid,gpu_uuid,used_memory --format=csv,noheader -l 2 \
  > "$out/compute-apps.csv" 2>/dev/null &
smi=$!
# the executors' pids, to read compute-apps.csv by (their command lines name the executor id)
(while sleep 2; do
  ps -eo pid,args | grep '[C]oarseGrainedExecutorBackend' \
    | sed -E 's/^ *([0-9]+).*--executor-id ([0-9]+).*/pid \1 executor \2/'
done) > "$out/executors.raw" 2>/dev/null &
ps_loop=$!
start=$(date +%s)
# a rendezvous timeout well inside the limit: were the abort on kill not to work, NCCL's own timeout still ends
# the surviving rank and the retry runs
timeout 540 "$home/bin/lomo-spark" run --config "$home/conf/gpu/local-cluster.conf" run-dir="$run" \
  train.steps=300 train.save-every=50 train.fail-once-at-step=120 train.rendezvous-timeout=120s "$@" \
  > "$out/stdout.log" 2> "$out/stderr.log"
rc=$?
kill "$smi" "$ps_loop" 2>/dev/null
sort -u "$out/executors.raw" > "$out/executors.txt" && rm -f "$out/executors.raw"
cp "$run/metrics.jsonl" "$run/eval.json" "$out/" 2>/dev/null
ls -R "$run/checkpoints" > "$out/checkpoints.txt" 2>/dev/null
grep -nE 'injected|abort|Abort|NCCL|Lost task|stage|Stage|retry|Exception|ERROR' "$out/stderr.log" | cut -c1-400 \
  | head -300 > "$out/stderr-excerpt.log"
echo "{\"rc\":$rc,\"wall_s\":$(( $(date +%s) - start ))}" > "$out/summary.json"
cat "$out/stdout.log" "$out/summary.json"
