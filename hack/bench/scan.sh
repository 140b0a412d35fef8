#!/usr/bin/env bash
# Benchmarks `kubectl lbctl scan -A --no-aws -o json` against
# `kubectl get ingress,svc,endpointslices,pods -A -o json` on a real
# kube-apiserver + etcd filled by hack/bench/scanenv (2,000 Ingresses,
# 5,000 Services, 20,000 pods, their EndpointSlices by default), both timed in
# one hyperfine run, and records each one's peak RSS. Fails (exit 1) when
# scan's mean wall time is more than MAX_RATIO (1.5) times kubectl's.
#
#   hack/bench/scan.sh                     # defaults
#   RUNS=10 hack/bench/scan.sh             # more runs
#   SCANENV_ARGS="-pods 5000" hack/bench/scan.sh
#   BENCH_OUT=/tmp/bench hack/bench/scan.sh  # keep the hyperfine exports
#   LBCTL=./bin/kubectl-lbctl hack/bench/scan.sh  # time a given binary
#
# Needs the envtest assets (hack/envtest-assets.sh builds them once), and
# hyperfine, GNU time and jq (installed from Debian when missing and root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}
warmup=${WARMUP:-1}
max_ratio=${MAX_RATIO:-1.5}

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  else
    echo "missing ${need[*]}: install them (apt-get install ${need[*]})" >&2
    exit 3
  fi
fi

assets=$("$root/hack/envtest-assets.sh")
kubectl="$assets/kubectl"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lbctl-bench.XXXXXX")
envpid=
cleanup() {
  local rc=$?
  if [ -n "$envpid" ] && kill -0 "$envpid" 2>/dev/null; then
    kill -TERM "$envpid" 2>/dev/null || true
    # kube-apiserver shuts down gracefully: give it time, then insist.
    for _ in $(seq 60); do kill -0 "$envpid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$envpid" 2>/dev/null || true
    wait "$envpid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building kubectl-lbctl and scanenv" >&2
(cd "$root" && go build -o "$tmp/kubectl-lbctl" ./cmd/kubectl-lbctl && go build -o "$tmp/scanenv" ./hack/bench/scanenv)
lbctl=${LBCTL:-$tmp/kubectl-lbctl}

# etcd (3.4 from Debian) fsyncs every write: its data on tmpfs makes filling
# the server faster. It does not change what is measured (reads are served
# from the API server's watch cache).
envtmp=${BENCH_TMPDIR:-}
if [ -z "$envtmp" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then envtmp=/dev/shm; fi
envtmp=${envtmp:-${TMPDIR:-/tmp}}

kubeconfig="$tmp/kubeconfig"
echo "starting scanenv ${SCANENV_ARGS:-} (progress below)" >&2
# shellcheck disable=SC2086 # SCANENV_ARGS is a list of flags
TMPDIR="$envtmp" "$tmp/scanenv" -kubeconfig "$kubeconfig" ${SCANENV_ARGS:-} >"$tmp/scanenv.out" &
envpid=$!
deadline=$((SECONDS + ${READY_TIMEOUT:-1800}))
until grep -qx ready "$tmp/scanenv.out" 2>/dev/null; do
  if ! kill -0 "$envpid" 2>/dev/null; then
    echo "scanenv exited before it was ready" >&2
    envpid=
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "scanenv not ready after ${READY_TIMEOUT:-1800}s" >&2
    exit 1
  fi
  sleep 1
done

export KUBECONFIG="$kubeconfig"
export KUBECACHEDIR="$tmp/kube-cache" # kubectl's discovery cache, not ~/.kube
export NO_COLOR=1

kget="$kubectl get ingress,svc,endpointslices,pods -A -o json"
lscan="$lbctl scan -A --no-aws -o json"

# What the server holds, and that scan sees it all, before timing anything.
$kubectl get ingress,svc,endpointslices,pods -A -o name | cut -d/ -f1 | sort | uniq -c >&2
$lscan >"$tmp/scan.json"
jq -c '{summary, findings: (.findings | group_by(.code) | map({(.[0].code): length}) | add)}' "$tmp/scan.json" >&2

echo "timing (warmup $warmup, runs $runs)" >&2
hyperfine --warmup "$warmup" --runs "$runs" --style basic \
  --export-markdown "$tmp/hyperfine.md" --export-json "$tmp/hyperfine.json" \
  -n "kubectl get ingress,svc,endpointslices,pods -A -o json" "$kget > /dev/null" \
  -n "kubectl-lbctl scan -A --no-aws -o json" "$lscan > /dev/null"

# Peak RSS, one run each, outside hyperfine (GNU time around the binary itself).
rss() { # out-file command...
  local out=$1
  shift
  /usr/bin/time -v -o "$out" "$@" >/dev/null
  awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out"
}
# shellcheck disable=SC2086
rss_kget=$(rss "$tmp/time.kubectl" $kget)
# shellcheck disable=SC2086
rss_scan=$(rss "$tmp/time.scan" $lscan)

mean() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean' "$tmp/hyperfine.json"; }
m_kget=$(mean "kubectl get ingress,svc,endpointslices,pods -A -o json")
m_scan=$(mean "kubectl-lbctl scan -A --no-aws -o json")
ratio=$(awk -v a="$m_scan" -v b="$m_kget" 'BEGIN { printf "%.2f", a / b }')

{
  echo
  echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -h | awk '/^Mem:/ {print $2}') memory, $(uname -sr)"
  echo "go:      $(go version)"
  echo "estate:  $(jq -c .summary "$tmp/scan.json")"
  echo
  cat "$tmp/hyperfine.md"
  echo
  printf 'peak RSS: kubectl get %s MiB, kubectl-lbctl scan %s MiB\n' "$rss_kget" "$rss_scan"
  printf 'ratio of means (scan / kubectl get): %s (limit %s)\n' "$ratio" "$max_ratio"
} | tee "$tmp/summary.txt"

if [ -n "${BENCH_OUT:-}" ]; then
  mkdir -p "$BENCH_OUT"
  cp "$tmp/hyperfine.md" "$tmp/hyperfine.json" "$tmp/summary.txt" "$tmp/time.kubectl" "$tmp/time.scan" "$tmp/scan.json" "$BENCH_OUT/"
fi

if awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
  echo "FAIL: scan takes ${ratio}× the wall time of kubectl get (limit ${max_ratio}×)" >&2
  exit 1
fi
echo "ok: scan takes ${ratio}× the wall time of kubectl get (limit ${max_ratio}×)" >&2
