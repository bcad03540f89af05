#!/usr/bin/env bash
# The "not enough data" experiment (issue 13): base CNN on MNIST 0-7, then 8 and 9 added from k = 10, 50, 200
# images per class by fine-tuning (frozen features / everything) and from scratch. Needs the MNIST files.
# Usage: bench/transfer.sh [base samples=20000] [base epochs=2] [0-7 samples per run=5000] [epochs per run=2]
# Prints a Markdown table, writes bench/results/transfer-<time>.json. Minutes on 2 cores with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.TransferBenchmark \
  -Dexec.args="data/mnist ${1:-20000} ${2:-2} ${3:-5000} ${4:-2}" -Dexec.cleanupDaemonThreads=false 2>&1 \
  | grep -v -E ' (DEBUG|INFO|WARN) '
