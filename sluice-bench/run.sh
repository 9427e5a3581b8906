#!/usr/bin/env bash
# Runs the side-by-side channel benchmarks and writes docs/BENCHMARKS.md.
#
#   bash sluice-bench/run.sh          full run (about 25 minutes on 2 cores); what docs/BENCHMARKS.md publishes
#   bash sluice-bench/run.sh quick    smoke test (a few minutes); the report is labelled as a quick run
#
# Normally started as `./sluice bench [quick]`, which sets JAVA_HOME to a JDK >= 21. Steps: build the JMH jar,
# make sure Go is available (installs Debian's golang-go when missing; without it the Go column is skipped
# with a note), build sluice-bench/go/chanbench.go, then run dev.sluice.bench.BenchmarkReport, which runs
# JMH and the Go program and writes the report. Raw samples and logs go to sluice-bench/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mode="${1:-full}"
case "$mode" in
  quick) command_line="./sluice bench quick" ;;
  full) command_line="./sluice bench" ;;
  *) echo "usage: sluice-bench/run.sh [quick]" >&2; exit 2 ;;
esac

if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "run.sh: JAVA_HOME must point to a JDK 21 or newer; run it as ./sluice bench, which finds one." >&2
  exit 1
fi
JAVA="$JAVA_HOME/bin/java"
export PATH="$JAVA_HOME/bin:$PATH"

say() { echo "[bench] $*"; }

results="sluice-bench/results"
mkdir -p "$results"

say "building the benchmark jar"
mvn -B -ntp -q -pl sluice-bench -am package -DskipTests
jar="sluice-bench/target/benchmarks.jar"
[ -f "$jar" ] || { echo "run.sh: $jar was not built" >&2; exit 1; }

# --- Go: install if missing, then build the benchmark. Any failure here only drops the Go column.
go_args=()
go_note=""
install_go() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      go_note="go is not installed and apt-get needs root (install golang-go and rerun)"; return 1; fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    go_note="go is not installed and there is no apt-get here (install Go 1.19 or newer and rerun)"; return 1
  fi
  say "go not found: installing golang-go with apt-get"
  if ! "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q; then
    go_note="go is not installed and apt-get update failed"; return 1
  fi
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -q golang-go; then
    go_note="go is not installed and apt-get install golang-go failed"; return 1
  fi
}
if command -v go >/dev/null 2>&1 || install_go; then
  if command -v go >/dev/null 2>&1; then
    export GOCACHE="${GOCACHE:-$root/sluice-bench/target/go-cache}"
    if GO111MODULE=off GOFLAGS= go build -o sluice-bench/target/chanbench sluice-bench/go/chanbench.go; then
      go_args=(--go sluice-bench/target/chanbench)
    else
      go_note="building sluice-bench/go/chanbench.go failed"
    fi
  else
    go_note="golang-go was installed but no go command is on the PATH"
  fi
fi
if [ ${#go_args[@]} -eq 0 ]; then
  say "NOTE: skipping the Go column: $go_note"
  go_args=(--go-note "$go_note")
fi

revision="$(git describe --always --dirty 2>/dev/null || echo unknown)"
say "running $mode benchmarks (log: $results/run-$mode.log)"
"$JAVA" -cp "$jar" dev.sluice.bench.BenchmarkReport \
  --mode "$mode" --out docs/BENCHMARKS.md --results "$results" \
  --command "$command_line" --revision "$revision" "${go_args[@]}" 2>&1 | tee "$results/run-$mode.log"
exit "${PIPESTATUS[0]}"
