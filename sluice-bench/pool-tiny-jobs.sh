#!/usr/bin/env bash
# Issue 3's worker-pool target (sluice's WorkerPool at least 1.5x ThreadPoolExecutor on tiny jobs), in one
# command. The headline shape is PoolThroughputBenchmark's: one producer, blocking submit, 2 workers, a queue
# of 256, 10,000 no-op jobs per invocation, against ThreadPoolExecutor(2, 2) + ArrayBlockingQueue(256).
#
#   bash sluice-bench/pool-tiny-jobs.sh            about 6 minutes on 2 cores
#   BEFORE_JAR=/tmp/old-benchmarks.jar bash sluice-bench/pool-tiny-jobs.sh
#                                                  also runs an older build's pool (its benchmarks.jar,
#                                                  built from another checkout) in JVMs alternating with
#                                                  this one, for a before/after in the same run
#
# Steps: build the JMH jar; then, with `uptime` before and after each step,
#   1. PoolCpuRatio (sluice submit, sluice trySubmit, TPE execute, TPE submit, interleaved round by round in one JVM; wall-clock
#      jobs/s and CPU ns per job), 15 rounds in each of 3 fresh JVMs (6 with BEFORE_JAR, alternating);
#   2. JMH PoolThroughputBenchmark, 3 forks x 5 iterations, sluice platform (submit, trySubmit), sluice virtual, TPE execute, TPE submit (with
#      BEFORE_JAR, the older build's first);
#   3. an added shape, not the one the target is judged on: PoolCpuRatio with 4 producers.
# Output goes to stdout and to sluice-bench/results/pool-tiny-jobs.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] \
    || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mkdir -p sluice-bench/results
out=sluice-bench/results/pool-tiny-jobs.txt
exec > >(tee "$out") 2>&1

echo "[pool] building the benchmark jar"
mvn -B -ntp -q -pl sluice-bench -am package -DskipTests
jar=sluice-bench/target/benchmarks.jar
echo "[pool] $(date -u '+%F %T UTC'), $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "[pool] uptime: $(uptime)"

echo "[pool] 1. PoolCpuRatio, 1 producer (the headline shape)"
for i in 1 2 3; do
  if [ -n "${BEFORE_JAR:-}" ]; then
    echo "[pool] JVM $i, before ($BEFORE_JAR), load $(cut -d' ' -f1-3 /proc/loadavg)"
    java -cp "$BEFORE_JAR:$jar" dev.sluice.bench.pool.PoolCpuRatio sluice,sluice-try,tpe 15 | tail -4
  fi
  echo "[pool] JVM $i, this build, load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -cp "$jar" dev.sluice.bench.pool.PoolCpuRatio sluice,sluice-try,tpe,tpe-submit 15 | tail -5
done
echo "[pool] uptime: $(uptime)"

echo "[pool] 2. JMH PoolThroughputBenchmark (3 forks x 5 iterations of 1 s after 3 warm-ups)"
if [ -n "${BEFORE_JAR:-}" ]; then
  echo "[pool] before ($BEFORE_JAR)"
  java -jar "$BEFORE_JAR" PoolThroughputBenchmark -p impl=sluice,sluice-virtual,tpe -f 3 -wi 3 -i 5 -rf text \
      -rff sluice-bench/results/pool-tiny-jobs-jmh-before.txt | grep -E '^(Benchmark|PoolThroughput)' \
      || echo "[pool] JMH failed (another JMH holding /tmp/jmh.lock?)" 
  echo "[pool] uptime: $(uptime)"
  echo "[pool] this build"
fi
java -jar "$jar" PoolThroughputBenchmark -p impl=sluice,sluice-try,sluice-virtual,tpe,tpe-submit -f 3 -wi 3 -i 5 -rf text \
    -rff sluice-bench/results/pool-tiny-jobs-jmh.txt | grep -E '^(Benchmark|PoolThroughput)' \
    || echo "[pool] JMH failed (another JMH holding /tmp/jmh.lock?)"
echo "[pool] uptime: $(uptime)"

echo "[pool] 3. added shape (not the target's): PoolCpuRatio, 4 producers"
java -cp "$jar" dev.sluice.bench.pool.PoolCpuRatio sluice,tpe 11 4 | tail -3
echo "[pool] uptime: $(uptime)"
