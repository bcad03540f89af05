#!/usr/bin/env bash
# What the network sees (issue 14): the shipped CNN's embeddings of 2,000 MNIST test digits reduced to 2-D with
# PCA next to the same reduction of the raw pixels (docs/embeddings-pca.png, docs/pixels-pca.png), k-NN and
# silhouette figures for both, and the 5 nearest test digits by cosine similarity to a few queries
# (docs/embeddings-neighbours.png). Needs the MNIST files (the test command fetches them).
# Usage: bench/embeddings.sh [cnn version dir=models/cnn/2 (the served version)] [digits=2000]
# Prints Markdown tables, writes bench/results/embeddings-<time>.json. Under a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # OpenBLAS workers sleep after a product instead of spinning
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.EmbeddingMap \
  -Dexec.args="data/mnist ${1:-models/cnn/2} docs ${2:-2000}" -Dexec.cleanupDaemonThreads=false 2>&1 \
  | grep -v -E ' (DEBUG|INFO|WARN) '
