#!/usr/bin/env bash
# End-to-end peer benchmark (issue 11): digitserve (the real jar, batched and unbatched) against a FastAPI +
# PyTorch peer service (bench/torch_service.py, one forward per request), in one run, same machine, same
# JSON body (one MNIST digit). hey as the client. For each: 1 client p50 and CPU cores used, 64 clients req/s,
# p99 and CPU per request, CPU over 2 s starting 2 s after load; for digitserve also the first 6 s at 64
# clients right after readiness against the warmed figure. CPU comes from /proc/<pid>/stat (utime+stime).
# Run it under the shared lock:  flock /tmp/digitserve-build.lock bench/peer.sh
# Env: WARMUP_ROUNDS (default: the application's), SECS (default 6), SKIP_BUILD=1, JAVA (the java to run the jar with).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # OpenBLAS workers sleep after a product instead of spinning
SECS="${SECS:-6}"
PORT=18080
PEER_PORT=18090
OUT=bench/results
mkdir -p "$OUT"
PY=/usr/bin/python3   # Debian's, where python3-torch lives
if ! command -v hey >/dev/null || ! $PY -c 'import torch, fastapi, uvicorn' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey python3-torch python3-fastapi python3-uvicorn libopenblas0-pthread
fi
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests package
JAR=$(ls target/digitserve-*.jar | head -1)
$PY - "$OUT/body.json" <<'PY'
import json, sys
rows = json.load(open('src/main/resources/openapi/example-seven.json'))['instances'][0]
open(sys.argv[1], 'w').write(json.dumps({"instances": [[v for r in rows for v in r]]}, separators=(',', ':')))
PY
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
now() { date +%s.%N; }
# hey_run label pid url clients seconds -> prints a table row; appends JSON to $OUT/peer-runs.jsonl
hey_run() {
  local label=$1 pid=$2 url=$3 clients=$4 secs=$5 t0 t1 s0 s1
  t0=$(ticks "$pid"); s0=$(now)
  hey -z "${secs}s" -c "$clients" -m POST -T application/json -D "$OUT/body.json" "$url" > "$OUT/hey.txt"
  t1=$(ticks "$pid"); s1=$(now)
  $PY - "$label" "$clients" "$OUT/hey.txt" "$t0" "$t1" "$s0" "$s1" "$HZ" <<'PY' | tee -a "$OUT/peer-runs.jsonl" >/dev/null
import json, re, sys
label, clients, path, t0, t1, s0, s1, hz = sys.argv[1:]
text = open(path).read()
ok = sum(int(n) for code, n in re.findall(r'\[(\d+)\]\s+(\d+) responses', text) if code == '200')
bad = sum(int(n) for code, n in re.findall(r'\[(\d+)\]\s+(\d+) responses', text) if code != '200')
cpu = (float(t1) - float(t0)) / float(hz)
wall = float(s1) - float(s0)
run = dict(label=label, clients=int(clients), rps=float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1)),
           p50Ms=float(re.search(r'50% in ([\d.]+) secs', text).group(1)) * 1000,
           p99Ms=float(re.search(r'99% in ([\d.]+) secs', text).group(1)) * 1000,
           cores=cpu / wall, cpuPerRequestMs=1000 * cpu / max(ok, 1), ok=ok, errors=bad)
print(json.dumps(run))
print(f"{label:<34} {clients:>4} {run['rps']:>9.0f} {run['p50Ms']:>8.2f} {run['p99Ms']:>8.1f} {run['cores']:>6.2f} "
      f"{run['cpuPerRequestMs']:>8.2f} {bad:>6}", file=sys.stderr)
PY
}
idle() {  # label pid: CPU cores used over 2 s, starting 2 s after the load stopped
  local t0 t1; sleep 2; t0=$(ticks "$2"); sleep 2; t1=$(ticks "$2")
  echo "$1 idle (2-4 s after load): $(echo "($t1 - $t0) / $HZ / 2" | bc -l | cut -c1-5) cores" | tee -a "$OUT/peer-idle.txt" >&2
}
warm() { for _ in 1 2 3; do hey -z 2s -c 64 -m POST -T application/json -D "$OUT/body.json" "$1" >/dev/null; done; }
wait_ready() {  # url pid
  for _ in $(seq 1 600); do
    curl -sf "$1" >/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "server died" >&2; exit 1; }
    sleep 0.1
  done
  echo "not ready: $1" >&2; exit 1
}
: > "$OUT/peer-runs.jsonl"; : > "$OUT/peer-idle.txt"
printf '%-34s %4s %9s %8s %8s %6s %8s %6s\n' run clients req/s p50_ms p99_ms cores cpu_ms/req errors >&2

start_digitserve() {  # max-batch-size
  local extra=()
  if [ -n "${WARMUP_ROUNDS:-}" ]; then
    if [ "$WARMUP_ROUNDS" = 0 ]; then extra+=(--digitserve.warmup.enabled=false); else extra+=(--digitserve.warmup.rounds="$WARMUP_ROUNDS"); fi
  fi
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "${JAVA:-java}" -jar "$JAR" --server.port=$PORT --digitserve.batching.max-batch-size="$1" \
      --digitserve.batching.queue-capacity=8192 --logging.level.root=WARN \
      --logging.level.dev.digitserve.warmup=INFO "${extra[@]}" > "$OUT/peer-server-mbs$1.log" 2>&1 &
  SERVER=$!
  wait_ready "http://127.0.0.1:$PORT/actuator/health/readiness" $SERVER
}
URL="http://127.0.0.1:$PORT/api/v1/models/cnn/predict"

start_digitserve 64
hey_run "digitserve mbs=64 first ${SECS}s after ready" $SERVER "$URL" 64 "$SECS"
warm "$URL"
hey_run "digitserve mbs=64" $SERVER "$URL" 1 "$SECS"
hey_run "digitserve mbs=64" $SERVER "$URL" 64 "$SECS"
idle "digitserve" $SERVER
grep -h "warm-up" "$OUT/peer-server-mbs64.log" | sed 's/.*RequestPathWarmup *: /  /' >&2 || true
kill $SERVER; wait $SERVER 2>/dev/null || true

WARMUP_ROUNDS=0 start_digitserve 1
warm "$URL"
hey_run "digitserve mbs=1 (unbatched)" $SERVER "$URL" 64 "$SECS"
kill $SERVER; wait $SERVER 2>/dev/null || true

# OpenBLAS on one thread: its pool otherwise fights PyTorch's OpenMP threads on every small product
OPENBLAS_NUM_THREADS=1 $PY bench/torch_service.py $PEER_PORT 1 > "$OUT/peer-fastapi.log" 2>&1 &
PEER=$!
wait_ready "http://127.0.0.1:$PEER_PORT/ready" $PEER
PURL="http://127.0.0.1:$PEER_PORT/predict"
warm "$PURL"
hey_run "FastAPI+PyTorch $($PY -c 'import torch;print(torch.__version__)')" $PEER "$PURL" 1 "$SECS"
hey_run "FastAPI+PyTorch" $PEER "$PURL" 64 "$SECS"
idle "FastAPI+PyTorch" $PEER
kill $PEER; wait $PEER 2>/dev/null || true

$PY - "$OUT/peer-runs.jsonl" <<'PY' >&2
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def get(prefix, clients):
    return next(r for r in runs if r['label'].startswith(prefix) and r['clients'] == clients)
first = next(r for r in runs if 'first' in r['label'])
d1, d64 = get('digitserve mbs=64', 1), [r for r in runs if r['label'] == 'digitserve mbs=64' and r['clients'] == 64][0]
u64 = get('digitserve mbs=1', 64)
p1, p64 = get('FastAPI', 1), get('FastAPI', 64)
print()
print(f"1 client: p50 {d1['p50Ms']:.2f} ms vs peer {p1['p50Ms']:.2f} ms (target <= peer); {d1['cores']:.2f} cores (target <= 1.2)")
print(f"64 clients: {d64['rps']:.0f} req/s = {d64['rps'] / p64['rps']:.1f}x the peer's {p64['rps']:.0f} (target >= 7x); "
      f"p99 {d64['p99Ms']:.1f} ms (target <= 50); batched/unbatched {d64['rps'] / u64['rps']:.1f}x (target >= 8x)")
print(f"CPU per request at 64 clients: digitserve {d64['cpuPerRequestMs']:.2f} ms, peer {p64['cpuPerRequestMs']:.2f} ms")
print(f"first 6 s after readiness: {first['rps']:.0f} req/s = {100 * first['rps'] / d64['rps']:.0f}% of warmed (target >= 70%)")
PY
