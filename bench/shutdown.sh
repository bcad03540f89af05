#!/usr/bin/env bash
# Shutdown under load: the real jar, `hey` with N keep-alive clients posting one MNIST digit each in a closed
# loop, and a plain SIGTERM (no preStop delay) some seconds in. Counts what every request got: a status code,
# or an error by kind. "connection refused" means the request never reached the server (its listener had
# closed); EOF, "server closed idle connection" and resets are requests that reached it and were cut off.
# Usage: bench/shutdown.sh [jar] [clients] [seconds-before-sigterm] [model]
#        (defaults: target/digitserve-*.jar 16 3 cnn). Run it under the shared build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="${1:-$(ls target/digitserve-*.jar | head -1)}"
CLIENTS="${2:-16}"
TERM_AFTER="${3:-3}"
MODEL="${4:-cnn}"
PORT=18081
URL="http://127.0.0.1:$PORT/api/v1/models/$MODEL/predict"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
OUT=bench/results
mkdir -p "$OUT"

command -v hey >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey; }

python3 - "$OUT/body.json" <<'PY'
import json, sys
rows = json.load(open('src/main/resources/openapi/example-seven.json'))['instances'][0]
open(sys.argv[1], 'w').write(json.dumps({"instances": [[v for r in rows for v in r]]}, separators=(',', ':')))
PY

java -jar "$JAR" --server.port=$PORT --logging.level.root=WARN \
     --logging.level.dev.digitserve=INFO --logging.level.org.springframework.boot.tomcat=INFO \
     > "$OUT/shutdown-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" > /dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" > /dev/null \
  || { echo "service did not become ready; see $OUT/shutdown-server.log" >&2; exit 1; }

# hey runs past the SIGTERM on purpose: after the server is gone its workers only see "connection refused"
hey -z "$((TERM_AFTER + 3))s" -c "$CLIENTS" -m POST -T application/json -D "$OUT/body.json" "$URL" \
    > "$OUT/shutdown-hey.txt" &
HEY=$!
sleep "$TERM_AFTER"
kill -TERM "$SERVER"
START=$(date +%s.%N)
wait "$SERVER" && CODE=0 || CODE=$?
STOPPED=$(date +%s.%N)
wait "$HEY" || true
trap - EXIT

python3 - "$OUT/shutdown-hey.txt" "$CODE" "$START" "$STOPPED" "$JAR" "$CLIENTS" "$TERM_AFTER" <<'PY'
import json, re, sys
path, code, start, stopped, jar, clients, term_after = sys.argv[1:8]
text = open(path).read()
statuses = {c: int(n) for c, n in re.findall(r'\[(\d{3})\]\s+(\d+) responses', text)}
kinds = {}
for n, message in re.findall(r'^\s+\[(\d+)\]\s+(.*)$', text.split('Error distribution:')[-1], re.M) \
        if 'Error distribution:' in text else []:
    if 'connection refused' in message:
        kind = 'connection refused (never sent)'
    elif 'server closed idle connection' in message:
        kind = 'server closed idle connection'
    elif message.endswith('EOF'):
        kind = 'EOF'
    elif 'reset by peer' in message:
        kind = 'connection reset'
    elif 'broken pipe' in message:
        kind = 'broken pipe'
    else:
        kind = message
    kinds[kind] = kinds.get(kind, 0) + int(n)
cut_off = sum(n for k, n in kinds.items() if not k.startswith('connection refused'))
result = dict(jar=jar, clients=int(clients), sigtermAfterSeconds=int(term_after), statuses=statuses,
              errors=kinds, cutOff=cut_off, serverExitCode=int(code),
              secondsFromSigtermToExit=round(float(stopped) - float(start), 2))
print(json.dumps(result, indent=2))
with open('bench/results/shutdown-runs.jsonl', 'a') as f:
    f.write(json.dumps(result) + '\n')
PY
