#!/usr/bin/env bash
# Container smoke test: builds the project's Dockerfile with podman, runs the image the way the
# Kubernetes manifests do (uid 10001, read-only root file system, only /tmp and the native-library cache
# writable, a memory limit), waits until it is ready, predicts a digit with both models, checks the
# non-root uid, the read-only root, the HEALTHCHECK and a graceful stop, prints image size and time to
# ready, and cleans up.
#
# Works without Docker and without any image registry: when the public base images cannot be pulled,
# it debootstraps a Debian bookworm root file system from the apt mirror this machine uses, imports it
# and builds local JDK/JRE images from it (deploy/base-images/), then passes them as build arguments.
# Those base images are kept for the next run (remove them with --clean-bases).
#
# Needs root (debootstrap, rootful podman) and the models in models/. Slow (first run ~15 min: Debian,
# JDK, Maven dependencies); not part of CI. On a shared machine run it under the build lock:
#   flock /tmp/digitserve-build.lock nice -n 10 deploy/container-smoke.sh
#
# Options: --keep          keep the container running and the image (prints how to reach it)
#          --cuda          also build the CUDA target (2.5 GB of CUDA libraries; ~10 GB of disk while
#                          building) and check that, without a GPU, it starts and gets as far as loading
#                          the NVIDIA driver library (stand-ins for nvidia/cuda and temurin's JRE if needed)
#          --clean-bases   also remove the locally built base images at the end
# Environment: SMOKE_PORT (18080), SMOKE_TIMEOUT seconds to ready (600), SMOKE_MEMORY (3g),
#   SMOKE_LOCAL_BASE=1 (skip trying the public images), BUILD_IMAGE / RUNTIME_IMAGE (use these bases),
#   DEBIAN_MIRROR (default: the first Debian URI in apt's sources), SMOKE_STATE_DIR (/var/tmp/digitserve-smoke).
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP=false
CUDA=false
CLEAN_BASES=false
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=true ;;
    --cuda) CUDA=true ;;
    --clean-bases) CLEAN_BASES=true ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

PORT=${SMOKE_PORT:-18080}
TIMEOUT=${SMOKE_TIMEOUT:-600}
MEMORY=${SMOKE_MEMORY:-3g}
STATE=${SMOKE_STATE_DIR:-/var/tmp/digitserve-smoke}
IMAGE=localhost/digitserve:smoke
NAME=digitserve-smoke-$$
LOCAL_DEBIAN=localhost/digitserve-base/debian:bookworm
LOCAL_JDK=localhost/digitserve-base/jdk:17
LOCAL_JRE=localhost/digitserve-base/jre:17
LOCAL_JRE_OPT=localhost/digitserve-base/jre-opt:17
CUDA_IMAGE_TAG=localhost/digitserve:smoke-cuda
PUBLIC_JDK=docker.io/library/eclipse-temurin:17-jdk
PUBLIC_JRE=docker.io/library/eclipse-temurin:17-jre
UID_EXPECTED=10001

log() { printf '[smoke %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
since() { awk -v now="$(date +%s.%N)" -v start="$1" 'BEGIN { printf "%.1f", now - start }'; }

[ "$(id -u)" = 0 ] || die "run as root (rootful podman, debootstrap)"
for f in models/cnn models/lasso; do
  ls "$f"/*/model.json >/dev/null 2>&1 || die "no model version in $f/ (the image bakes models/ in)"
done

# ---- tools ------------------------------------------------------------------------------------------
install_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
install_packages podman buildah runc curl

# podman's defaults fail here (crun: "cgroups in hybrid mode not supported"; journald events): a private
# containers.conf with runc, cgroupfs, file events and explicit ulimits, without touching /etc.
mkdir -p "$STATE"
if [ -z "${CONTAINERS_CONF:-}" ] || [ ! -f "$CONTAINERS_CONF" ]; then
  cat > "$STATE/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  export CONTAINERS_CONF="$STATE/containers.conf"
fi

cleanup() {
  local rc=$?
  if [ "$KEEP" = false ]; then
    podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
    podman rmi -f "$IMAGE" "$CUDA_IMAGE_TAG" >/dev/null 2>&1 || true
    if [ "$CLEAN_BASES" = true ]; then
      podman rmi -f "$LOCAL_JRE_OPT" "$LOCAL_JRE" "$LOCAL_JDK" "$LOCAL_DEBIAN" >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$STATE/rootfs"
  [ $rc -eq 0 ] || log "exit code $rc"
}
trap cleanup EXIT

# ---- base images ------------------------------------------------------------------------------------
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
  [ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

build_local_bases() {
  if ! podman image exists "$LOCAL_DEBIAN"; then
    install_packages debootstrap
    local mirror; mirror=$(debian_mirror)
    log "debootstrap bookworm (minbase) from $mirror"
    rm -rf "$STATE/rootfs"
    debootstrap --variant=minbase bookworm "$STATE/rootfs" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
      || { tail -20 "$STATE/debootstrap.log" >&2; die "debootstrap"; }
    rm -rf "$STATE/rootfs/var/cache/apt/archives/"*.deb "$STATE/rootfs/var/lib/apt/lists/"*
    tar -C "$STATE/rootfs" -c . | podman import --message "debootstrap bookworm minbase" - "$LOCAL_DEBIAN" \
      >"$STATE/import.log" 2>&1 || { tail -5 "$STATE/import.log" >&2; die "podman import"; }
    rm -rf "$STATE/rootfs"
  fi
  # Machines behind a TLS-inspecting egress proxy trust its CA through /usr/local/share/ca-certificates;
  # the local JDK image (which runs Maven) gets the same extra CAs. They stay out of the project's image.
  local context="$STATE/base-context"
  rm -rf "$context"; mkdir -p "$context/extra-ca"
  cp deploy/base-images/*.Containerfile "$context/"
  touch "$context/extra-ca/.keep"
  find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$context/extra-ca/" \; 2>/dev/null || true
  for pair in "$LOCAL_JDK:jdk" "$LOCAL_JRE:jre" "$LOCAL_JRE_OPT:jre-opt"; do
    local image=${pair%:*} kind=${pair##*:}
    if ! podman image exists "$image"; then
      log "building $image"
      local from=$LOCAL_DEBIAN; [ "$kind" != jre-opt ] || from=$LOCAL_JRE
      podman build --network host --pull=never --build-arg BASE_IMAGE="$from" \
        -f "$context/$kind.Containerfile" -t "$image" "$context" >"$STATE/base-$kind.log" 2>&1 \
        || { tail -20 "$STATE/base-$kind.log" >&2; die "building $image"; }
    fi
  done
}

CUDA_BASE_ARGS=()
if [ -n "${BUILD_IMAGE:-}" ] && [ -n "${RUNTIME_IMAGE:-}" ]; then
  log "base images given: $BUILD_IMAGE / $RUNTIME_IMAGE"
elif [ -z "${SMOKE_LOCAL_BASE:-}" ] && timeout 60 podman pull -q "$PUBLIC_JDK" >/dev/null 2>&1 \
     && timeout 60 podman pull -q "$PUBLIC_JRE" >/dev/null 2>&1; then
  BUILD_IMAGE=$PUBLIC_JDK RUNTIME_IMAGE=$PUBLIC_JRE
  log "using public base images"
else
  log "public base images unreachable: building local ones from Debian"
  build_local_bases
  BUILD_IMAGE=$LOCAL_JDK RUNTIME_IMAGE=$LOCAL_JRE
  CUDA_BASE_ARGS=(--build-arg CUDA_IMAGE="$LOCAL_DEBIAN" --build-arg JRE_IMAGE="$LOCAL_JRE_OPT")
fi

# ---- build ------------------------------------------------------------------------------------------
# docker format keeps the HEALTHCHECK (OCI image config has no field for it).
log "building $IMAGE (target cpu)"
build_start=$(date +%s)
podman build --network host --format docker --layers --target cpu \
  --build-arg BUILD_IMAGE="$BUILD_IMAGE" --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
  -t "$IMAGE" . >"$STATE/build.log" 2>&1 || { tail -40 "$STATE/build.log" >&2; die "podman build (log: $STATE/build.log)"; }
build_seconds=$(( $(date +%s) - build_start ))
size_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
log "built in ${build_seconds}s, image size $(( size_bytes / 1000000 )) MB"

# ---- run as the cluster would ---------------------------------------------------------------------
run_args=(--detach --name "$NAME" --read-only --read-only-tmpfs=false
  --tmpfs /tmp:rw,size=512m,mode=1777 --tmpfs /var/cache/digitserve:rw,size=1g,mode=1777
  --memory "$MEMORY" --cpus 2 --stop-timeout 45)
url=http://127.0.0.1:$PORT
start=$(date +%s.%N)
if ! podman run "${run_args[@]}" -p "127.0.0.1:$PORT:8080" "$IMAGE" >/dev/null 2>"$STATE/run.err"; then
  # Bridge networking needs netfilter, which some sandboxes lack: share the host network instead and
  # move the port with SERVER_PORT (the HEALTHCHECK follows it).
  log "bridge network unavailable ($(tail -1 "$STATE/run.err")); using the host network"
  podman rm -f "$NAME" >/dev/null 2>&1 || true
  start=$(date +%s.%N)
  podman run "${run_args[@]}" --network host -e SERVER_PORT="$PORT" "$IMAGE" >/dev/null
fi

log "waiting for $url/actuator/health/readiness"
ready=false
while :; do
  if curl -fsS -o /dev/null --max-time 2 "$url/actuator/health/readiness" 2>/dev/null; then ready=true; break; fi
  state=$(podman inspect --format '{{.State.Status}}' "$NAME" 2>/dev/null || echo gone)
  [ "$state" = running ] || break
  (( $(date +%s) - ${start%.*} < TIMEOUT )) || break
  sleep 0.5
done
ready_seconds=$(since "$start")
if [ "$ready" != true ]; then
  podman logs --tail 60 "$NAME" >&2 || true
  die "not ready after ${ready_seconds}s (container $(podman inspect --format '{{.State.Status}}' "$NAME" 2>/dev/null))"
fi
log "ready after ${ready_seconds}s"

# ---- checks -----------------------------------------------------------------------------------------
failures=0
check() { if eval "$2"; then log "ok   $1"; else log "FAIL $1"; failures=$((failures + 1)); fi; }

for model in cnn lasso; do
  answer=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    --data @src/main/resources/openapi/example-seven.json "$url/api/v1/models/$model/predict" || true)
  log "$model: ${answer:0:160}"
  if [ "$model" = cnn ]; then
    check "cnn predicts 7 for the MNIST example" "grep -q '\"digit\" *: *7' <<<\"\$answer\""
  else
    # the linear model is far weaker (its accuracy is in its model card): any digit is a valid answer
    check "lasso answers with a digit" "grep -qE '\"digit\" *: *[0-9]' <<<\"\$answer\""
    grep -q '"digit" *: *7' <<<"$answer" || log "note: lasso did not answer 7 for the example"
  fi
done
check "java runs as uid $UID_EXPECTED" \
  "podman exec $NAME sh -c 'grep -E \"^Uid:\" /proc/1/status' | awk '{exit !(\$2 == $UID_EXPECTED)}'"
check "image user is $UID_EXPECTED" "[ \"\$(podman exec $NAME id -u)\" = $UID_EXPECTED ]"
check "root file system is read-only" "! podman exec $NAME touch /app/probe 2>/dev/null"
check "native libraries unpacked into the writable cache" \
  "podman exec $NAME sh -c 'ls /var/cache/digitserve/javacpp | grep -q .'"
check "HEALTHCHECK passes" "podman healthcheck run $NAME >/dev/null 2>&1"
info=$(curl -fsS --max-time 5 "$url/actuator/info" || true)
check "/actuator/info reports the CPU backend" "grep -q '\"name\" *: *\"CPU\"' <<<\"\$info\""
metrics=$(curl -fsS --max-time 5 "$url/actuator/prometheus" || true)
check "/actuator/prometheus answers" "grep -q '^jvm_memory_used_bytes' <<<\"\$metrics\""
native_cache=$(podman exec "$NAME" du -sh /var/cache/digitserve/javacpp 2>/dev/null | cut -f1 || echo unknown)
memory=$(podman stats --no-stream --format '{{.MemUsage}}' "$NAME" 2>/dev/null || echo unknown)
log "memory in use: $memory"

# graceful stop: SIGTERM to java (PID 1, exec-form ENTRYPOINT), Spring drains, exits before the timeout
stop_start=$(date +%s.%N)
if [ "$KEEP" = false ]; then
  # (podman may complain that it cannot remove the healthcheck's systemd timer where there is no systemd)
  podman stop -t 45 "$NAME" >/dev/null 2>"$STATE/stop.err"
  stop_seconds=$(since "$stop_start")
  check "stops gracefully on SIGTERM (${stop_seconds}s)" \
    "podman logs $NAME 2>&1 | grep -q 'Graceful shutdown complete' && [ \"\$(podman inspect --format '{{.State.ExitCode}}' $NAME)\" != 137 ]"
else
  log "kept: container $NAME on $url, image $IMAGE"
fi

# ---- optional: the CUDA target ------------------------------------------------------------------------
cuda_summary="not built (use --cuda)"
if [ "$CUDA" = true ]; then
  log "building $CUDA_IMAGE_TAG (target cuda${CUDA_BASE_ARGS:+, stand-in bases})"
  build_start=$(date +%s)
  podman build --network host --format docker --layers --target cuda \
    --build-arg BUILD_IMAGE="$BUILD_IMAGE" "${CUDA_BASE_ARGS[@]}" \
    -t "$CUDA_IMAGE_TAG" . >"$STATE/build-cuda.log" 2>&1 \
    || { tail -40 "$STATE/build-cuda.log" >&2; die "podman build --target cuda (log: $STATE/build-cuda.log)"; }
  cuda_build_seconds=$(( $(date +%s) - build_start ))
  cuda_size=$(( $(podman image inspect --format '{{.Size}}' "$CUDA_IMAGE_TAG") / 1000000 ))
  log "built in ${cuda_build_seconds}s, image size $cuda_size MB; starting it without a GPU"
  cuda_log=$(timeout 300 podman run --rm --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=512m,mode=1777 \
    --tmpfs /var/cache/digitserve:rw,size=4g,mode=1777 --network none "$CUDA_IMAGE_TAG" 2>&1 || true)
  # No GPU here: ND4J's CUDA backend must be the one tried, and fail only for want of the driver.
  check "CUDA image: runs as uid $UID_EXPECTED, tries ND4J's CUDA backend, stops at the missing driver (libcuda.so.1)" \
    "grep -q 'started by digitserve' <<<\"\$cuda_log\" && grep -q 'JCublasBackend' <<<\"\$cuda_log\" && grep -q 'libcuda.so.1' <<<\"\$cuda_log\""
  cuda_summary="$cuda_size MB, built in ${cuda_build_seconds}s"
  [ "$KEEP" = true ] || podman rmi -f "$CUDA_IMAGE_TAG" >/dev/null 2>&1 || true
fi

echo
echo "image:          $IMAGE (bases: $BUILD_IMAGE / $RUNTIME_IMAGE)"
echo "image size:     $(( size_bytes / 1000000 )) MB"
echo "build time:     ${build_seconds}s"
echo "time to ready:  ${ready_seconds}s (podman run -> readiness 200)"
echo "memory in use:  $memory"
echo "native cache:   $native_cache (JavaCPP-unpacked libraries in /var/cache/digitserve)"
echo "CUDA image:     $cuda_summary"
if [ $failures -eq 0 ]; then
  echo "SMOKE PASSED"
else
  echo "SMOKE FAILED: $failures check(s)"
  exit 1
fi
