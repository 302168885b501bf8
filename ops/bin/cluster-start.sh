#!/usr/bin/env bash
# Starts a fresh local cluster in the background: three KRaft Kafka brokers and a Flink session cluster
# (JobManager and two TaskManagers), each its own JVM (dev.streamcl.ops.LocalCluster); prints where they answer.
# Usage: ops/bin/cluster-start.sh [--work-dir DIR] [--brokers N] [--taskmanagers N] [--slots N] [--taskmanager-memory SIZE]
# Work dir default: <repo>/.data/cluster (deleted and made anew); it holds cluster.properties (addresses and the
# pid of every node, e.g. for kill -9), each node's log and data. Stop it with ops/bin/cluster-stop.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK_DIR="$ROOT/.data/cluster"
PASS_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) WORK_DIR="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) PASS_ARGS+=("$1"); shift ;;
  esac
done
PID_FILE="$ROOT/.data/cluster.pid"
LOG_FILE="$ROOT/.data/cluster.log"
mkdir -p "$ROOT/.data"
if [[ -f "$PID_FILE" ]] && tr '\0' ' ' <"/proc/$(cat "$PID_FILE")/cmdline" 2>/dev/null | grep -q "dev.streamcl.ops.LocalCluster"; then
  echo "The local cluster is already running (pid $(cat "$PID_FILE")); see $WORK_DIR/cluster.properties"
  exit 0
fi

# The ops module's classes and the classpath resource its build writes (Flink, Kafka, ONNX Runtime jars).
if [[ ! -f "$ROOT/ops/target/classes/dev/streamcl/ops/cluster-classpath.txt" ]] \
    || [[ -n "$(find "$ROOT/ops/src/main" "$ROOT/ops/pom.xml" -newer "$ROOT/ops/target/classes/dev/streamcl/ops/cluster-classpath.txt" -print -quit)" ]]; then
  echo "Building ops ..."
  mvn -B -q ${MVN_ARGS:-} -f "$ROOT/pom.xml" -pl ops -am install -DskipTests >"$ROOT/.data/cluster-build.log" 2>&1 \
    || { cat "$ROOT/.data/cluster-build.log" >&2; exit 1; }
fi
CP="$ROOT/ops/target/classes:$(cat "$ROOT/ops/target/classes/dev/streamcl/ops/cluster-classpath.txt")"
nohup "${JAVA:-java}" -Xmx256m -cp "$CP" dev.streamcl.ops.LocalCluster --work-dir "$WORK_DIR" \
  ${PASS_ARGS[@]+"${PASS_ARGS[@]}"} >"$LOG_FILE" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PID_FILE"
for _ in $(seq 1 300); do
  if grep -q "Local cluster ready" "$LOG_FILE"; then
    grep -E "^(Kafka|Flink|Local cluster)" "$LOG_FILE"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "The local cluster failed to start; last lines of $LOG_FILE:" >&2
    tail -n 20 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  sleep 0.5
done
echo "The local cluster did not report ready within 150 s (pid $PID still running); see $LOG_FILE" >&2
exit 1
