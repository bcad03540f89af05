#!/usr/bin/env bash
# Protocol comparison: the real jar with the shipped models, one client at a time (bench/v2client.py, sequential
# requests, each a real MNIST test digit or 64 of them): V2 REST with JSON tensor data vs REST with the binary
# tensor data extension vs gRPC with raw contents. Reports requests/s, client latency and the server's CPU per
# request (utime + stime of the java process from /proc/<pid>/stat). First checks that all three protocols
# classify the first 1,000 test digits identically, then warms the JVM on every path, then 3 runs per cell;
# the table shows the median run.
# Usage (on a shared machine, under the build lock):
#   flock /tmp/digitserve-build.lock bench/protocols.sh [requests-of-1-image] [requests-of-64-images] [model]
# Needs Debian's python3-numpy python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc
# (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SINGLE="${1:-1000}"
BATCHED="${2:-100}"
export V2_MODEL="${3:-cnn}"
export V2_HTTP_PORT=18080 V2_GRPC_PORT=18081
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
PY=/usr/bin/python3
OUT=bench/results
mkdir -p "$OUT"
RUNS="$OUT/protocols-runs.jsonl"
: > "$RUNS"

if ! $PY -c 'import numpy, grpc, google.protobuf' 2>/dev/null || ! command -v grpc_python_plugin >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy python3-grpcio \
      python3-protobuf protobuf-compiler protobuf-compiler-grpc
fi
./mvnw -B -q -DskipTests package
JAR=$(ls target/digitserve-*.jar | head -1)

java -jar "$JAR" --server.port=$V2_HTTP_PORT --digitserve.grpc.port=$V2_GRPC_PORT --logging.level.root=WARN \
     > "$OUT/protocols-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$V2_HTTP_PORT/v2/health/ready" > /dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$V2_HTTP_PORT/v2/health/ready" > /dev/null

echo "== the same answers over every protocol (first 1,000 MNIST test digits, 64 per request)"
$PY bench/v2client.py accuracy 1000 | tee "$OUT/protocols-accuracy.json"

echo "== warm-up (not recorded)"
for mode in json binary grpc; do
  $PY bench/v2client.py bench $mode 1 "$SINGLE" $SERVER > /dev/null
  $PY bench/v2client.py bench $mode 64 "$BATCHED" $SERVER > /dev/null
done

echo "== 3 runs per cell"
for run in 1 2 3; do
  for mode in json binary grpc; do
    $PY bench/v2client.py bench $mode 1 "$SINGLE" $SERVER >> "$RUNS"
    $PY bench/v2client.py bench $mode 64 "$BATCHED" $SERVER >> "$RUNS"
  done
done

$PY - "$RUNS" "$OUT/protocols-summary.json" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
summary = []
print(f"{'protocol':<8} {'images/req':>10} {'body bytes':>10} {'req/s':>8} {'images/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
      f"{'server CPU ms/req':>17} {'(3 runs)':>22}")
for per in (1, 64):
    for mode in ('json', 'binary', 'grpc'):
        cell = [r for r in runs if r['mode'] == mode and r['imagesPerRequest'] == per]
        median = sorted(cell, key=lambda r: r['serverCpuMsPerRequest'])[len(cell) // 2]
        cpus = ' '.join(f"{r['serverCpuMsPerRequest']:.2f}" for r in cell)
        print(f"{mode:<8} {per:>10} {median['bodyBytes']:>10} {median['requestsPerSecond']:>8.0f} "
              f"{median['imagesPerSecond']:>9.0f} {median['p50Ms']:>7.2f} {median['p99Ms']:>7.2f} "
              f"{median['serverCpuMsPerRequest']:>17.3f} {cpus:>22}")
        summary.append(dict(median, cpuRuns=[r['serverCpuMsPerRequest'] for r in cell]))
json.dump(summary, open(sys.argv[2], 'w'), indent=1)
PY
