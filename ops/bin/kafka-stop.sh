#!/usr/bin/env bash
# Stops the Kafka started by ops/bin/kafka-start.sh (same --data-dir, default <repo>/.data/kafka).
# Usage: ops/bin/kafka-stop.sh [--data-dir DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_DIR="$ROOT/.data/kafka"
if [[ "${1:-}" == "--data-dir" ]]; then
  DATA_DIR="$2"
fi
PID_FILE="$DATA_DIR/kafka.pid"

if [[ ! -f "$PID_FILE" ]]; then
  echo "Kafka is not running (no $PID_FILE)"
  exit 0
fi
PID="$(cat "$PID_FILE")"
# A stale pid may have been reused by another program: only stop our LocalKafka.
if ! tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q "dev.streamcl.ops.LocalKafka"; then
  echo "Kafka is not running (stale pid $PID); removing $PID_FILE"
  rm -f "$PID_FILE"
  exit 0
fi

kill -TERM "$PID"
for _ in $(seq 1 60); do
  if ! kill -0 "$PID" 2>/dev/null; then
    rm -f "$PID_FILE"
    echo "Kafka stopped (pid $PID)"
    exit 0
  fi
  sleep 0.5
done
echo "Kafka (pid $PID) did not stop within 30 s; killing it" >&2
kill -KILL "$PID"
rm -f "$PID_FILE"
