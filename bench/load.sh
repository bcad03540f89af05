#!/usr/bin/env bash
# Load benchmark: the real jar over real HTTP, for max-batch-size 1 and 64, at 1, 16 and 64 concurrent
# clients (wrk, closed loop: each connection sends the next request when the answer arrives), each
# request one MNIST digit as JSON; then a rate-limited run at half the best batched throughput (hey,
# -q per worker) for the p99 latency there; then the engine-only throughput in the same session.
# The mean batch size comes from the service's own digitserve_batch_size metric.
# Usage: bench/load.sh [seconds-per-run] [model]      (defaults: 15 cnn)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-15}"
MODEL="${2:-cnn}"
PORT=18080
URL="http://127.0.0.1:$PORT/api/v1/models/$MODEL/predict"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # idle OpenMP threads sleep instead of spinning
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # OpenBLAS workers sleep after a product instead of spinning
OUT=bench/results
mkdir -p "$OUT"
RUNS="$OUT/load-runs.jsonl"
: > "$RUNS"

if ! command -v wrk >/dev/null || ! command -v hey >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey
fi
./mvnw -B -q -DskipTests package
./mvnw -B -q -DskipTests test-compile
JAR=$(ls target/digitserve-*.jar | head -1)
CP="target/test-classes:target/classes:$(./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)"

# One real test digit (the 7 of the OpenAPI example) as a single-instance request.
python3 - "$OUT/body.json" "$OUT/post.lua" <<'PY'
import json, sys
rows = json.load(open('src/main/resources/openapi/example-seven.json'))['instances'][0]
open(sys.argv[1], 'w').write(json.dumps({"instances": [[v for r in rows for v in r]]}, separators=(',', ':')))
open(sys.argv[2], 'w').write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                             f'local f = io.open("{sys.argv[1]}", "r")\nwrk.body = f:read("*a")\nf:close()\n')
PY

batches() {  # "<engine calls> <images>" so far
  curl -s "http://127.0.0.1:$PORT/actuator/prometheus" | python3 -c "
import re, sys
text = sys.stdin.read()
def total(name):
    return sum(float(v) for v in re.findall(r'^' + name + r'\{model=\"$MODEL\",[^}]*\} (\S+)$', text, re.M))
print(total('digitserve_batch_size_count'), total('digitserve_batch_size_sum'))"
}

record() {  # label mode clients rate tool-output-file batches-before batches-after
  python3 - "$@" >> "$RUNS" <<'PY'
import json, re, sys
label, mode, clients, rate, path, b0, i0, b1, i1 = sys.argv[1:10]
text = open(path).read()
def ms(value, unit):
    return float(value) * {'us': 0.001, 'ms': 1, 's': 1000}[unit]
if mode == 'closed':   # wrk --latency
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
    p50 = ms(*re.search(r'50%\s+([\d.]+)(us|ms|s)', text).groups())
    p99 = ms(*re.search(r'99%\s+([\d.]+)(us|ms|s)', text).groups())
    errors = int((re.search(r'Non-2xx or 3xx responses: (\d+)', text) or [0, 0])[1])
else:                  # hey
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
    p50 = float(re.search(r'50% in ([\d.]+) secs', text).group(1)) * 1000
    p99 = float(re.search(r'99% in ([\d.]+) secs', text).group(1)) * 1000
    ok = int((re.search(r'\[200\]\s+(\d+) responses', text) or [0, 0])[1])
    errors = sum(int(n) for code, n in re.findall(r'\[(\d+)\]\s+(\d+) responses', text) if code != '200')
calls, images = float(b1) - float(b0), float(i1) - float(i0)
run = dict(label=label, mode=mode, clients=int(clients), offeredRate=float(rate), imagesPerSecond=rps,
           p50Ms=p50, p99Ms=p99, meanBatchSize=images / calls if calls else 0, errors=errors)
print(json.dumps(run))
print(f"{label:<22} {mode:<6} {clients:>7} {float(rate):>9.0f} {rps:>12.0f} {p50:>9.2f} {p99:>9.2f} "
      f"{run['meanBatchSize']:>11.1f} {errors:>7}", file=sys.stderr)
PY
}

start_server() {
  # One native thread per batch, as in the deployment: the HTTP path needs the other core (bench/README.md).
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" java -jar "$JAR" --server.port=$PORT --digitserve.batching.max-batch-size="$1" \
       --digitserve.batching.queue-capacity=8192 --logging.level.root=WARN > "$OUT/server-mbs$1.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" > /dev/null && return 0
    sleep 1
  done
  echo "service did not become ready; see $OUT/server-mbs$1.log" >&2; kill $SERVER; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }

printf '%-22s %-6s %7s %9s %12s %9s %9s %11s %7s\n' run mode clients rate images/s p50_ms p99_ms mean_batch errors >&2
for MBS in 1 64; do
  start_server $MBS
  for CLIENTS in 1 16 64; do
    wrk -t1 -c"$CLIENTS" -d3s -s "$OUT/post.lua" "$URL" > /dev/null   # warm-up
    read -r B0 I0 < <(batches)
    wrk -t1 -c"$CLIENTS" -d"${SECONDS_PER_RUN}s" --latency -s "$OUT/post.lua" "$URL" > "$OUT/wrk.txt"
    read -r B1 I1 < <(batches)
    record "max-batch-size=$MBS" closed "$CLIENTS" 0 "$OUT/wrk.txt" "$B0" "$I0" "$B1" "$I1"
  done
  if [ "$MBS" = 64 ]; then
    BEST=$(python3 -c "import json;print(max(json.loads(l)['imagesPerSecond'] for l in open('$RUNS') if 'max-batch-size=64' in l))")
    WORKERS=32
    PER_WORKER=$(python3 -c "print(max(1, round($BEST / 2 / $WORKERS)))")
    read -r B0 I0 < <(batches)
    hey -z "${SECONDS_PER_RUN}s" -c $WORKERS -q "$PER_WORKER" -m POST -T application/json -D "$OUT/body.json" "$URL" > "$OUT/hey.txt"
    read -r B1 I1 < <(batches)
    record "half-max-rate" rate $WORKERS "$((WORKERS * PER_WORKER))" "$OUT/hey.txt" "$B0" "$I0" "$B1" "$I1"
  fi
  stop_server
done

echo >&2
echo "engine only (same session, no HTTP):" >&2
java -cp "$CP" -Dbench.engine-only=true dev.digitserve.bench.EngineBenchmark data/mnist models 2>/dev/null \
  | grep -E 'CNN inference' | tee "$OUT/engine-only.txt" >&2

python3 - "$RUNS" "$OUT/engine-only.txt" <<'PY' >&2
import json, re, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
engine_best = max(float(v) for v in re.findall(r'batch \d+\s+([\d.]+)', open(sys.argv[2]).read()))
def get(label, clients):
    return next(r for r in runs if r['label'] == label and r['clients'] == clients)
b1, b64 = get('max-batch-size=1', 64), get('max-batch-size=64', 64)
half = next(r for r in runs if r['label'] == 'half-max-rate')
summary = dict(runs=runs, engineBestImagesPerSecond=engine_best,
               batchedOverUnbatchedAt64=b64['imagesPerSecond'] / b1['imagesPerSecond'],
               batchedShareOfEngineBest=b64['imagesPerSecond'] / engine_best,
               p99AtHalfMaxMs=half['p99Ms'])
print()
print(f"64 clients: batched/unbatched = {summary['batchedOverUnbatchedAt64']:.1f}x (target >= 8x); "
      f"batched/engine-only best = {100 * summary['batchedShareOfEngineBest']:.0f}% (target >= 60%)")
print(f"p99 at half the maximum throughput ({half['imagesPerSecond']:.0f} req/s): {half['p99Ms']:.1f} ms (target <= 25 ms)")
json.dump(summary, open('bench/results/load-summary.json', 'w'), indent=2)
PY
