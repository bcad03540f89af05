#!/usr/bin/env bash
# Engine-level benchmark: CNN training s/epoch, CNN and Lasso inference images/s by batch size,
# Lasso fit time. Needs the MNIST files (the test command fetches them) and models/cnn/1.
# Usage: bench/engine.sh            (prints a table, writes bench/results/engine-<time>.json)
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # idle OpenMP threads sleep instead of spinning
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # OpenBLAS workers sleep after a product instead of spinning
./mvnw -B -q -DskipTests test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.EngineBenchmark \
  -Dexec.args="data/mnist models" -Dexec.cleanupDaemonThreads=false 2>&1 | grep -v -E ' (DEBUG|INFO) '
# Two serving copies, one native thread each, called at once (what digitserve.batching.workers=2 does)
OMP_NUM_THREADS=1 ./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.digitserve.bench.EngineBenchmark \
  -Dexec.args="data/mnist models" -Dbench.engine-only=true -Dbench.replicas=2 -Dexec.cleanupDaemonThreads=false 2>&1 \
  | grep -v -E ' (DEBUG|INFO) ' | grep 'CNN inference'
# The PyTorch peer (Debian python3-torch), same run, same architecture, 2 threads, NCHW and channels-last.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "PyTorch peer (bench/torch_engine.py, 2 threads):"
  # without our OMP_WAIT_POLICY=PASSIVE: it slows PyTorch's many small parallel regions (batch 1: 527 vs 871
  # images/s in one session), and the peer should run at its best
  env -u OMP_WAIT_POLICY /usr/bin/python3 bench/torch_engine.py 2
  # tuned: glibc malloc kept warm, and OpenBLAS (when Debian's libopenblas0 is installed) on one thread so that
  # its pool does not fight PyTorch's OpenMP threads (batch 1: 450 -> 1,194 images/s in one session)
  echo "PyTorch peer, tuned (MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, OPENBLAS_NUM_THREADS=1):"
  MALLOC_TRIM_THRESHOLD_=1000000000 MALLOC_TOP_PAD_=1000000000 OPENBLAS_NUM_THREADS=1 env -u OMP_WAIT_POLICY \
    /usr/bin/python3 bench/torch_engine.py 2
else
  echo "PyTorch peer skipped: apt-get install -y python3-torch libopenblas0-pthread"
fi
