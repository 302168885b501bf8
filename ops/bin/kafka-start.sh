#!/usr/bin/env bash
# Starts a local single-node Kafka (dev.streamcl.ops.LocalKafka) in the background.
# Usage: ops/bin/kafka-start.sh [--data-dir DIR] [--port N] [--controller-port N] [--partitions N]
# Data dir default: <repo>/.data/kafka. It holds kafka.pid, kafka.log and the broker's data.
# Env: JAVA (java), KAFKA_HEAP_OPTS (-Xmx1g), MVN_ARGS (extra Maven flags, e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_DIR="$ROOT/.data/kafka"
PASS_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data-dir) DATA_DIR="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) PASS_ARGS+=("$1"); shift ;;
  esac
done
mkdir -p "$DATA_DIR"
PID_FILE="$DATA_DIR/kafka.pid"
LOG_FILE="$DATA_DIR/kafka.log"

# A stale pid may belong to another program by now: only count our LocalKafka.
if [[ -f "$PID_FILE" ]] && tr '\0' ' ' <"/proc/$(cat "$PID_FILE")/cmdline" 2>/dev/null | grep -q "dev.streamcl.ops.LocalKafka"; then
  echo "Kafka is already running (pid $(cat "$PID_FILE"), data in $DATA_DIR)"
  exit 0
fi

# (Re)build the ops classes and classpath only when sources changed since the last build.
CP_FILE="$ROOT/ops/target/classpath.txt"
if [[ ! -f "$CP_FILE" ]] || [[ -n "$(find "$ROOT/ops/src/main" "$ROOT/ops/pom.xml" -newer "$CP_FILE" -print -quit)" ]]; then
  echo "Building ops ..."
  # includeScope=test: the log4j binding is test-scoped in ops/pom.xml.
  if ! mvn -B -q ${MVN_ARGS:-} -f "$ROOT/pom.xml" -pl ops compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >"$DATA_DIR/build.log" 2>&1; then
    cat "$DATA_DIR/build.log" >&2
    exit 1
  fi
  touch "$CP_FILE" # the plugin leaves an unchanged file untouched
fi

# shellcheck disable=SC2086
nohup "${JAVA:-java}" ${KAFKA_HEAP_OPTS:--Xmx1g} -XX:+UseParallelGC \
  -Dlog4j2.configurationFile="$ROOT/ops/bin/log4j2-local.xml" -Dlog4j2.shutdownHookEnabled=false \
  -cp "$ROOT/ops/target/classes:$(cat "$CP_FILE")" \
  dev.streamcl.ops.LocalKafka --data-dir "$DATA_DIR" ${PASS_ARGS[@]+"${PASS_ARGS[@]}"} \
  >"$LOG_FILE" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PID_FILE"

for _ in $(seq 1 120); do
  if grep -q "Kafka broker ready at" "$LOG_FILE"; then
    grep "Kafka broker ready at" "$LOG_FILE"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "Kafka failed to start; last lines of $LOG_FILE:" >&2
    tail -n 20 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  sleep 0.5
done
echo "Kafka did not report ready within 60 s (pid $PID still running); see $LOG_FILE" >&2
exit 1
