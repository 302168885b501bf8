#!/usr/bin/env bash
# Stops the local cluster started by ops/bin/cluster-start.sh: TaskManagers and JobManager, then the brokers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PID_FILE="$ROOT/.data/cluster.pid"
if [[ ! -f "$PID_FILE" ]]; then
  echo "The local cluster is not running (no $PID_FILE)"
  exit 0
fi
PID="$(cat "$PID_FILE")"
if ! tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q "dev.streamcl.ops.LocalCluster"; then
  echo "The local cluster is not running (stale pid $PID); removing $PID_FILE"
  rm -f "$PID_FILE"
  exit 0
fi
kill -TERM "$PID"
for _ in $(seq 1 120); do
  if ! kill -0 "$PID" 2>/dev/null; then
    rm -f "$PID_FILE"
    echo "The local cluster stopped"
    exit 0
  fi
  sleep 0.5
done
echo "The local cluster (pid $PID) did not stop within 60 s; kill -9 it and its nodes (pids in .data/cluster/cluster.properties)" >&2
exit 1
