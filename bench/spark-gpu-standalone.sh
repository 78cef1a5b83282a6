#!/usr/bin/env bash
# The pipeline under spark-submit on a Spark standalone cluster of separate JVMs on one GPU host, set up the way
# conf/gpu/spark-defaults-standalone.conf describes, from the offline bundle alone (its bin/spark-class and
# bin/spark-submit): a Master; a Worker offering the host's GPUs, which it finds with conf/gpu/discover-gpus.sh;
# the application submitted in client mode with that file as its properties. Only what belongs to this host is
# overridden: the GPU count, cores, memory and where the bundle is. The run has the same drill as spark-gpu.sh (a
# rank fails once, Spark retries, the retry resumes) and evaluates on the GPUs.
# Usage: bench/spark-gpu-standalone.sh BUNDLE_DIR OUT_DIR [key=value]...
#   GPUS and DISCOVERY override the GPU count and the discovery script: with a script that prints
#   {"name": "gpu", "addresses": ["0","1"]} and train.device=cpu the same set-up runs on a host without GPUs.
set -uo pipefail
home="$(cd "$1/lomo-spark" && pwd)"
out="$2"
shift 2
mkdir -p "$out"
out="$(cd "$out" && pwd)"
gpus="${GPUS:-$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)}"
discovery="${DISCOVERY:-$home/conf/gpu/discover-gpus.sh}"
cores=4
run=/tmp/lomo-spark-standalone-run
work=/tmp/lomo-spark-standalone-work
rm -rf "$run" "$work"
defaults="$home/conf/gpu/spark-defaults-standalone.conf"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOG_DIR="$out"
log4j="-Dlog4j2.configurationFile=$home/conf/log4j2.properties"

SPARK_DAEMON_JAVA_OPTS="$log4j" "$home/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port 7077 --webui-port 8080 > "$out/master.log" 2>&1 &
master=$!
for _ in $(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/7077) 2>/dev/null && break; sleep 1; done
# the Worker reads its spark.worker.* lines from the same file; this host's GPU count and script win over it
SPARK_DAEMON_JAVA_OPTS="$log4j" SPARK_WORKER_OPTS="-Dspark.worker.resource.gpu.amount=$gpus \
-Dspark.worker.resource.gpu.discoveryScript=$discovery" "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
  spark://127.0.0.1:7077 --host 127.0.0.1 --cores $((gpus * cores)) --memory 64g --work-dir "$work" \
  --properties-file "$defaults" > "$out/worker.log" 2>&1 &
worker=$!

start=$(date +%s)
timeout 540 "$home/bin/spark-submit" --master spark://127.0.0.1:7077 --deploy-mode client \
  --properties-file "$defaults" \
  --conf spark.executor.cores=$cores --conf spark.task.cpus=$cores --conf spark.cores.max=$((gpus * cores)) \
  --conf spark.executor.memory=8g \
  --driver-class-path "$home/lib/*" --conf "spark.executor.extraClassPath=$home/lib/*" \
  --driver-java-options "$log4j" \
  --class org.lomospark.pipeline.cli.LomoSparkCli "$(ls "$home"/lib/lomo-spark-pipeline-*.jar)" \
  run run-dir="$run" train.device=cuda train.dp="$gpus" train.steps=600 train.save-every=100 \
  train.fail-once-at-step=250 train.rendezvous-timeout=120s "$@" > "$out/stdout.log" 2> "$out/stderr.log"
rc=$?
kill "$worker" "$master" 2>/dev/null
wait 2>/dev/null
cp "$run/metrics.jsonl" "$run/eval.json" "$out/" 2>/dev/null
# which GPU each executor was given, from the executors' own logs in the Worker's work dir
(cd "$work" && grep -H -E 'gpu -> ' */*/stderr) 2>/dev/null | cut -c1-300 | head -40 > "$out/executor-gpus.log"
grep -nE 'injected|Lost task|Registered executor|Granted executor|resource|Exception|ERROR' "$out/stderr.log" \
  "$out/worker.log" "$out/master.log" | cut -c1-400 | head -200 > "$out/excerpt.log"
echo "{\"rc\":$rc,\"wall_s\":$(( $(date +%s) - start )),\"gpus\":$gpus}" > "$out/summary.json"
cat "$out/stdout.log" "$out/summary.json"
