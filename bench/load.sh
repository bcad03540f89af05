#!/usr/bin/env bash
# Load benchmark: the real jar over real HTTP, driven by LoadBenchmark (a Java closed-loop / fixed-rate
# client, see src/test/java/dev/digitserve/bench/LoadBenchmark.java), for max-batch-size 1 and 64 at
# 1, 16 and 64 concurrent clients, then a fixed-rate run at half the best batched throughput to read
# p99 latency there, then the engine-only best throughput in the same session.
# Usage: bench/load.sh [seconds-per-run] [model]      (defaults: 15 cnn)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-15}"
MODEL="${2:-cnn}"
PORT=18080
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
mkdir -p bench/results
RESULTS=bench/results/load-runs.jsonl
: > "$RESULTS"

./mvnw -B -q -DskipTests package
./mvnw -B -q -DskipTests test-compile
JAR=$(ls target/digitserve-*.jar | grep -v original | head -1)
CP="target/test-classes:target/classes:$(./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)"
client() { java -cp "$CP" dev.digitserve.bench.LoadBenchmark "http://127.0.0.1:$PORT" "$MODEL" "$@" 2>/dev/null; }

start_server() {
  java -jar "$JAR" --server.port=$PORT --digitserve.batching.max-batch-size="$1" \
       --digitserve.batching.queue-capacity=8192 --logging.level.root=WARN > bench/results/server-mbs$1.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" > /dev/null; then return 0; fi
    sleep 1
  done
  echo "service did not become ready; see bench/results/server-mbs$1.log" >&2; kill $SERVER; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

printf '%-22s %-6s %7s %9s %12s %9s %9s %11s %7s\n' run mode clients rate images/s p50_ms p99_ms mean_batch errors
for MBS in 1 64; do
  start_server $MBS
  client "max-batch-size=$MBS" "$SECONDS_PER_RUN" closed 1 16 64
  if [ "$MBS" = 64 ]; then
    BEST=$(python3 -c "import json;print(max(json.loads(l)['imagesPerSecond'] for l in open('$RESULTS') if 'max-batch-size=64' in l))")
    HALF=$(python3 -c "print(round($BEST/2))")
    client "half-max-rate" "$SECONDS_PER_RUN" rate "$HALF"
  fi
  stop_server
done

echo
echo "engine only (same session, no HTTP):"
java -cp "$CP" -Dbench.engine-only=true dev.digitserve.bench.EngineBenchmark data/mnist models 2>/dev/null \
  | grep -E 'CNN inference' || true

python3 - "$RESULTS" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def get(label, clients):
    return next(r for r in runs if r['label'] == label and r['clients'] == clients)
b1, b64 = get('max-batch-size=1', 64), get('max-batch-size=64', 64)
print()
print(f"64 clients: batched/unbatched throughput = {b64['imagesPerSecond'] / b1['imagesPerSecond']:.1f}x")
half = next((r for r in runs if r['label'] == 'half-max-rate'), None)
if half:
    print(f"p99 at half of the maximum throughput ({half['offeredRate']:.0f} req/s): {half['p99Ms']:.1f} ms")
json.dump(runs, open('bench/results/load-summary.json', 'w'), indent=2)
PY
