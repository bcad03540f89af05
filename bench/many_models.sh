#!/usr/bin/env bash
# Many small models (issue 15), the packaged jar over real HTTP:
#  1. the two shipped models, eager (today's service): ready time, resident memory and threads after its
#     warm-up and a request to each model, 1-client p50 on the CNN (wrk) with the shared batcher pool and,
#     for comparison, with a thread per batcher (digitserve.batching.pool-threads=0);
#  2. N Lasso-kind models (default 1,000) generated into a temporary repository by perturbing models/lasso/1,
#     lazy loading, a budget that holds them all: ready time, first request to each model (each one unloaded)
#     p50/p99/max, every answer from the model asked for, resident memory and threads after every model has
#     answered, listing pages;
#  3. C versions (default 50) of one CNN-kind model (copies of models/cnn/1), lazy: the first request to 10
#     unloaded versions; then, restarted with a budget for 10 versions, 16 clients requesting the versions
#     round-robin for S seconds: failed requests, answers from another version, evictions (the service's
#     digitserve_model_evictions_total).
# Run it under the shared lock: flock /tmp/digitserve-build.lock bench/many_models.sh [N] [C] [S]
# Writes bench/results/many-models.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
C="${2:-50}"
RR_SECONDS="${3:-30}"
PHASES="${PHASES:-1 2 3}"   # e.g. PHASES=2 reruns only the 1,000-model part
phase() { [[ " $PHASES " == *" $1 "* ]]; }
PORT=18090
BASE="http://127.0.0.1:$PORT"
OUT=bench/results
mkdir -p "$OUT"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"   # OpenBLAS workers sleep after a product instead of spinning
WORK=$(mktemp -d /tmp/digitserve-many.XXXXXX)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! ls target/digitserve-*.jar >/dev/null 2>&1; then ./mvnw -B -q -o -DskipTests package; fi
JAR=$(ls target/digitserve-*.jar | head -1)
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

# ---- repositories --------------------------------------------------------------------------------------------
python3 - "$WORK" "$N" "$C" <<'PY'
import json, os, random, shutil, sys
work, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
card = json.load(open('models/lasso/1/model.json'))
weights = json.load(open('models/lasso/1/weights.json'))
for i in range(1, n + 1):
    name = f'lasso-{i:04d}'
    d = os.path.join(work, 'lasso', name, '1')
    os.makedirs(d)
    rnd = random.Random(i)
    w = dict(weights)
    # a different model each: every coefficient scaled by its own factor in [0.9, 1.1]
    w['coefficients'] = [[v * (0.9 + 0.2 * rnd.random()) for v in row] for row in weights['coefficients']]
    json.dump(w, open(os.path.join(d, 'weights.json'), 'w'))
    json.dump(dict(card, name=name, version=1), open(os.path.join(d, 'model.json'), 'w'))
cnn_card = json.load(open('models/cnn/1/model.json'))
for v in range(1, c + 1):
    d = os.path.join(work, 'cnn', 'cnnmany', str(v))
    os.makedirs(d)
    shutil.copy('models/cnn/1/model.zip', d)
    json.dump(dict(cnn_card, name='cnnmany', version=v), open(os.path.join(d, 'model.json'), 'w'))
rows = json.load(open('src/main/resources/openapi/example-seven.json'))['instances'][0]
open(os.path.join(work, 'seven.json'), 'w').write(
    json.dumps({"instances": [[v for r in rows for v in r]]}, separators=(',', ':')))
PY
echo "generated $N Lasso-kind models and $C CNN versions in $WORK" >&2

# ---- helpers -------------------------------------------------------------------------------------------------
start() {  # label, then service arguments; sets SERVER and READY_MS
  local label="$1"; shift
  local t0; t0=$(date +%s%N)
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" java -jar "$JAR" --server.port=$PORT --digitserve.grpc.port=0 \
      --digitserve.security.allow-anonymous-writes=true "$@" > "$OUT/many-$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 1200); do
    if curl -sf "$BASE/actuator/health/readiness" > /dev/null; then
      READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
      return 0
    fi
    sleep 0.1
  done
  echo "service did not become ready; see $OUT/many-$label.log" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status"; }
threads() { awk '/Threads/ {print $2}' "/proc/$SERVER/status"; }
metric() {  # the value of an unlabelled (or commonly tagged) series
  # reads the whole scrape (an early exit would fail curl, and the pipeline, with a write error)
  curl -s "$BASE/actuator/prometheus" | awk -v m="$1" '!found && ($1 == m || index($1, m "{") == 1) {print $2; found = 1}'
}
result() { echo "$1" >> "$RESULTS"; }

p50_wrk() {  # model: 1-client closed-loop p50 over 10 s, after a 3 s warm-up
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s", "r")\nwrk.body = f:read("*a")\nf:close()\n' \
      "$WORK/seven.json" > "$WORK/post.lua"
  wrk -t1 -c1 -d3s -s "$WORK/post.lua" "$BASE/api/v1/models/$1/predict" > /dev/null
  wrk -t1 -c1 -d10s --latency -s "$WORK/post.lua" "$BASE/api/v1/models/$1/predict" > "$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
v, u = re.search(r'50%\s+([\d.]+)(us|ms|s)', t).groups()
print(round(float(v) * {'us': 0.001, 'ms': 1, 's': 1000}[u], 3))
PY
}

# ---- 1. the two shipped models, eager ------------------------------------------------------------------------
phase 1 && for POOL in default 0; do
  ARGS=(--digitserve.models.dir=models)
  [ "$POOL" = 0 ] && ARGS+=(--digitserve.batching.pool-threads=0)
  start "two-models-pool-$POOL" "${ARGS[@]}"
  READY=$READY_MS
  # readiness waits for the HTTP warm-up (40 rounds on both models); one more request each
  curl -sf -H 'Content-Type: application/json' --data @"$WORK/seven.json" "$BASE/api/v1/models/lasso/predict" > /dev/null
  curl -sf -H 'Content-Type: application/json' --data @"$WORK/seven.json" "$BASE/api/v1/models/cnn/predict" > /dev/null
  RSS=$(rss_mb); THR=$(threads)
  P50=$(p50_wrk cnn)
  result "{\"run\":\"two-models-eager\",\"poolThreads\":\"$POOL\",\"readyMs\":$READY,\"rssMb\":$RSS,\"threads\":$THR,\"cnnP50Ms1Client\":$P50}"
  stop
done

# ---- 2. N Lasso-kind models, lazy ----------------------------------------------------------------------------
if phase 2; then
start lasso --digitserve.models.dir="$WORK/lasso" --digitserve.models.loading=lazy --digitserve.models.memory-budget=2GB
READY=$READY_MS
SCAN=$(grep -o 'versions scanned in [0-9]* ms' "$OUT/many-lasso.log" | grep -o '[0-9]* ms' | head -1)
python3 - "$BASE" "$N" "$WORK/seven.json" "$WORK/first.json" <<'PY'
import http.client, json, sys, time, urllib.parse
base, n, body_file, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = open(body_file, 'rb').read()
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port)
latencies, wrong, failed = [], 0, 0
for i in range(1, n + 1):
    name = f'lasso-{i:04d}'
    t = time.perf_counter()
    conn.request('POST', f'/api/v1/models/{name}/predict', body, {'Content-Type': 'application/json'})
    r = conn.getresponse()
    data = r.read()
    latencies.append((time.perf_counter() - t) * 1000)
    if r.status != 200:
        failed += 1
    elif json.loads(data)['model'] != name:
        wrong += 1
# a second request to each, now loaded, for comparison
warm = []
for i in range(1, n + 1):
    t = time.perf_counter()
    conn.request('POST', f'/api/v1/models/lasso-{i:04d}/predict', body, {'Content-Type': 'application/json'})
    conn.getresponse().read()
    warm.append((time.perf_counter() - t) * 1000)
def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * len(xs))) - 1)], 2)
listing = []
for path in ['/api/v1/models', '/api/v1/models?page=5&size=100', '/api/v1/models?name=lasso-09&size=1000']:
    t = time.perf_counter()
    conn.request('GET', path)
    r = conn.getresponse()
    page = json.loads(r.read())
    listing.append(dict(path=path, ms=round((time.perf_counter() - t) * 1000, 1), models=len(page['models']),
                        total=page['total']))
json.dump(dict(firstP50Ms=pct(latencies, 50), firstP99Ms=pct(latencies, 99), firstMaxMs=round(max(latencies), 1),
               loadedP50Ms=pct(warm, 50), loadedP99Ms=pct(warm, 99), failed=failed, wrongModel=wrong,
               listing=listing), open(out, 'w'))
PY
RSS=$(rss_mb); THR=$(threads)
jcmd "$SERVER" GC.heap_info > "$OUT/many-lasso-heap.txt" 2>&1 || true
LOADED=$(metric digitserve_model_versions_loaded)
ESTIMATED=$(metric digitserve_model_memory_estimated_bytes)
result "{\"run\":\"lasso-lazy\",\"models\":$N,\"readyMs\":$READY,\"scan\":\"$SCAN\",\"rssMb\":$RSS,\"threads\":$THR,\"loadedVersions\":$LOADED,\"estimatedBytes\":$ESTIMATED,\"requests\":$(cat "$WORK/first.json")}"
stop
fi

# ---- 3. C CNN versions, lazy ---------------------------------------------------------------------------------
if phase 3; then
start cnn-first --digitserve.models.dir="$WORK/cnn" --digitserve.models.loading=lazy
EST=$(curl -s "$BASE/api/v1/models/cnnmany" | python3 -c "import json,sys; print(json.load(sys.stdin)['versions'][0]['estimatedBytes'])")
python3 - "$BASE" "$WORK/seven.json" "$WORK/cnn-first.json" <<'PY'
import http.client, json, sys, time, urllib.parse
base, body_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
body = open(body_file, 'rb').read()
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port)
first = []
for v in range(1, 11):
    t = time.perf_counter()
    conn.request('POST', f'/api/v1/models/cnnmany/versions/{v}/predict', body, {'Content-Type': 'application/json'})
    r = conn.getresponse()
    answer = json.loads(r.read())
    assert r.status == 200 and answer['version'] == v, answer
    first.append(round((time.perf_counter() - t) * 1000, 1))
json.dump(dict(firstRequestMs=first, maxMs=max(first)), open(out, 'w'))
PY
result "{\"run\":\"cnn-first-request\",\"estimatedBytesPerVersion\":$EST,\"requests\":$(cat "$WORK/cnn-first.json")}"
stop

BUDGET=$(( EST * 10 + EST / 2 ))
start cnn-round-robin --digitserve.models.dir="$WORK/cnn" --digitserve.models.loading=lazy \
    --digitserve.models.memory-budget="$BUDGET" ${REQUEST_TIMEOUT:+--digitserve.batching.request-timeout=$REQUEST_TIMEOUT}
python3 - "$BASE" "$C" "$RR_SECONDS" "$WORK/seven.json" "$WORK/rr.json" <<'PY'
import http.client, itertools, json, sys, threading, time, urllib.parse
base, c, seconds, body_file, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
body = open(body_file, 'rb').read()
host = urllib.parse.urlparse(base)
counter, lock = itertools.count(), threading.Lock()
stats = dict(ok=0, failed=0, wrongVersion=0, statuses={})
latencies = []
end = time.time() + seconds
def client():
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    while time.time() < end:
        with lock:
            v = next(counter) % c + 1
        t = time.perf_counter()
        conn.request('POST', f'/api/v1/models/cnnmany/versions/{v}/predict', body, {'Content-Type': 'application/json'})
        r = conn.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t) * 1000
        with lock:
            latencies.append(ms)
            if r.status != 200:
                stats['failed'] += 1
                stats['statuses'][r.status] = stats['statuses'].get(r.status, 0) + 1
            elif json.loads(data)['version'] != v or json.loads(data)['model'] != 'cnnmany':
                stats['wrongVersion'] += 1
            else:
                stats['ok'] += 1
threads = [threading.Thread(target=client) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
latencies.sort()
stats['requests'] = len(latencies)
stats['p50Ms'] = round(latencies[len(latencies) // 2], 1)
stats['p99Ms'] = round(latencies[int(len(latencies) * 0.99) - 1], 1)
stats['requestsPerSecond'] = round(len(latencies) / seconds, 1)
json.dump(stats, open(out, 'w'))
PY
EVICTIONS=$(metric digitserve_model_evictions_total)
LOADED=$(metric digitserve_model_versions_loaded)
result "{\"run\":\"cnn-round-robin\",\"versions\":$C,\"clients\":16,\"seconds\":$RR_SECONDS,\"budgetBytes\":$BUDGET,\"evictions\":$EVICTIONS,\"loadedVersionsAtEnd\":$LOADED,\"requests\":$(cat "$WORK/rr.json")}"
stop
fi

python3 - "$RESULTS" "$PHASES" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
name = 'bench/results/many-models.json' if sys.argv[2] == '1 2 3' else 'bench/results/many-models-partial.json'
json.dump(runs, open(name, 'w'), indent=2)
def find(run, **kw):
    return next((r for r in runs if r['run'] == run and all(r.get(k) == v for k, v in kw.items())), None)
two, old = find('two-models-eager', poolThreads='default'), find('two-models-eager', poolThreads='0')
lasso, first, rr = find('lasso-lazy'), find('cnn-first-request'), find('cnn-round-robin')
if two:
  print(f"two models, eager (pool):          ready {two['readyMs']} ms, RSS {two['rssMb']} MB, {two['threads']} threads, cnn 1-client p50 {two['cnnP50Ms1Client']} ms")
  print(f"two models, eager (thread/worker): ready {old['readyMs']} ms, RSS {old['rssMb']} MB, {old['threads']} threads, cnn 1-client p50 {old['cnnP50Ms1Client']} ms")
if lasso:
  q = lasso['requests']
  base = two['rssMb'] if two else float('nan')
  print(f"{lasso['models']} Lasso, lazy:  ready {lasso['readyMs']} ms (scan {lasso['scan']}; target <= 10000)")
  print(f"  first request p50 {q['firstP50Ms']} ms, p99 {q['firstP99Ms']} ms (target <= 50), max {q['firstMaxMs']} ms; loaded p50 {q['loadedP50Ms']} ms; failed {q['failed']}, wrong model {q['wrongModel']}")
  print(f"  after all answered: RSS {lasso['rssMb']} MB (target <= {base + 300}), {lasso['threads']} threads (target <= {two['threads'] + 16 if two else 'n/a'}), {lasso['loadedVersions']} loaded")
  for l in q['listing']:
    print(f"  GET {l['path']}: {l['ms']} ms, {l['models']} of {l['total']}")
if first:
  print(f"CNN first request to 10 unloaded versions: {first['requests']['firstRequestMs']} ms (target <= 1000)")
if rr:
  r = rr['requests']
  print(f"{rr['versions']} CNN versions, 16 clients round-robin, budget for 10: {r['requests']} requests, {r['failed']} failed {r['statuses']}, "
        f"{r['wrongVersion']} from another version, {rr['evictions']} evictions, p50 {r['p50Ms']} ms, p99 {r['p99Ms']} ms, {r['requestsPerSecond']} req/s")
PY
