#!/usr/bin/env bash
# Photo uploads: phone-like JPEG digits upright vs sideways with EXIF Orientation 6, and numbers of 2-8
# digits read by the /read pipeline, all through the shipped CNN in process. Seeded: reruns agree.
# Usage: bench/photos.sh [digits=200] [numbers=200]   (prints a table, writes bench/results/photos-<time>.json)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
out="bench/results/photos-$(date +%Y%m%d-%H%M%S).json"
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.PhotoBenchmark \
  -Dexec.args="data/mnist models ${1:-200} ${2:-200} $out" -Dexec.cleanupDaemonThreads=false 2>&1 \
  | grep -v -E ' (DEBUG|INFO|WARN) '
