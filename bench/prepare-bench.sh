#!/usr/bin/env bash
# Prepare-job throughput against the tokenizer alone, on this machine, in one JVM (docs/BENCHMARKS.md,
# "Prepare job: Spark's overhead over the tokenizer alone"). Builds the bench module (org.lomospark.bench.prepare)
# and the modules it depends on offline, generates the input into a scratch folder (removed at the end), and
# appends JSON lines to bench/results/prepare/NAME.jsonl.
#   bench/prepare-bench.sh NAME [--copies 400] [--warmup 5] [--repeat 3] [--cores 2] [--hf-tokenizer DIR]
# JAVA_OPTS replaces the heap setting (-Xms4g -Xmx4g: a fixed heap, so the young generation does not grow during
# the run and make later rounds faster than earlier ones); MVN_FLAGS adds Maven flags to the build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: bench/prepare-bench.sh NAME [--copies N] [--warmup N] [--repeat N] [--cores N] [--hf-tokenizer DIR]}"
shift
out="$root/bench/results/prepare/$name.jsonl"
target="$root/bench/target"

# the package phase writes the module's runtime classpath (the datasets jar and its dependencies, the trainer's
# too) and its provided one: Spark, which the modules declare provided (spark-submit brings it on a cluster)
mvn -B -q -o ${MVN_FLAGS:-} -f "$root/pom.xml" -pl bench -am package -DskipTests >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/prepare-bench.XXXXXX")"
log="$work.log"
trap 'rm -rf "$work"' EXIT
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- datasets bench/src bench/pom.xml || echo -dirty)"

echo "before: $(uptime)" >&2
# Spark's own Java 17 set of add-opens, as in the surefire argLine of the parent pom
java ${JAVA_OPTS:--Xms4g -Xmx4g} \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true \
  -cp "$target/lomo-spark-bench-0.1.0-SNAPSHOT.jar:$(cat "$target/runtime-classpath-linux-x86_64.txt"):$(cat "$target/provided-classpath.txt")" \
  org.lomospark.bench.prepare.PrepareBench --work "$work/run" --out "$out" --label "$commit" "$@" 2>"$log" \
  || { echo "failed; Spark's log: $log" >&2; tail -40 "$log" >&2; exit 1; }
echo "after: $(uptime)" >&2
rm -f "$log"
