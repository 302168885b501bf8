#!/usr/bin/env bash
# Builds the image flink-learner.yaml runs: the learner's job jar plus the native-code libraries the local
# cluster loads parent-first, from this checkout's Maven build. Usage: ops/k8s/build-image.sh [TAG]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tag="${1:-streamcl-learner:0.1.0}"
mvn -B -f "$root/pom.xml" -pl learner,ops -am package -DskipTests
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/lib" "$context/usrlib"
cp "$root"/learner/target/streamcl-learner-*-job.jar "$context/usrlib/streamcl-learner-job.jar"
tr ':' '\n' < "$root/ops/target/classes/dev/streamcl/ops/cluster-classpath.txt" \
  | grep -E '/(onnxruntime|tokenizers)-[^/]*\.jar$' | xargs -I{} cp {} "$context/lib/"
cp "$here/Dockerfile" "$context/"
docker build -t "$tag" "$context"
