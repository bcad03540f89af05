#!/usr/bin/env bash
# The "not enough data" experiment (issue 13): base CNN on MNIST 0-7, then 8 and 9 added from k = 10, 50, 200
# images per class by fine-tuning (frozen features / everything) and from scratch, with the fine-tuning jobs'
# recipe (FineTuner: class-balanced epochs, augmentation, learning rate per freeze mode). Needs the MNIST files.
# Usage: bench/transfer.sh [--base-cache=/tmp/digitserve-transfer-base.zip] [--base-epochs=3] [--base-samples=N]
#        [--base-only] [--run-samples=10000] [--run-epochs=5] [--batch-size=64] [--ks=10,50,200]
#        [--methods=frozen,all,scratch] [--validate]
# The base (the ~44k training images of 0-7 outside the validation images) is the slow part; with --base-cache it
# is trained once and read back on later runs with the same base options. --validate reports on training images
# kept out of every run instead of the test set (for choosing settings; the test set is for the final table).
# Prints a Markdown table, writes bench/results/transfer-<time>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.TransferBenchmark \
  -Dexec.args="$*" -Dexec.cleanupDaemonThreads=false 2>&1 \
  | grep -v -E ' (DEBUG|INFO|WARN) '
