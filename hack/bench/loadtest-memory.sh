#!/usr/bin/env bash
# Measures the memory lbctl's load test takes (maximum resident set size,
# from /usr/bin/time -v) in two runs against a loopback nginx answering
# "ok" at once:
#
#   1. `loadtest run --rate max` for MAX_DURATION (60 s): as many requests
#      as the machine sends, 32 in flight (the default at max rate);
#      target: below MAX_RSS_MB (200).
#   2. `loadtest run --rate 2000/s` for PACED_DURATION (600 s: 10 minutes),
#      a long paced run whose 1 s windows add up; target: below
#      PACED_RSS_MB (150).
#
# Fails (exit 1) when a run is above its target. docs/benchmarks.md holds
# the figures.
#
#   hack/bench/loadtest-memory.sh
#   PACED_DURATION=120 hack/bench/loadtest-memory.sh   # a 2-minute paced run
#   LBCTL=./kubectl-lbctl hack/bench/loadtest-memory.sh
#
# Installs nginx-light from Debian when missing (as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
max_duration=${MAX_DURATION:-60}
paced_duration=${PACED_DURATION:-600}
paced_rate=${PACED_RATE:-2000}
max_rss_mb=${MAX_RSS_MB:-200}
paced_rss_mb=${PACED_RSS_MB:-150}
port=${PORT:-18482}

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing nginx-light from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >&2
  else
    echo "missing nginx: install it (apt-get install nginx-light)" >&2
    exit 3
  fi
fi
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time: apt-get install time" >&2; exit 3; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
EOF
"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf"
url="http://127.0.0.1:$port/"
for _ in $(seq 50); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.1; done

lbctl=${LBCTL:-}
if [ -z "$lbctl" ]; then
  echo "building lbctl" >&2
  (cd "$root" && go build -trimpath -o "$tmp/kubectl-lbctl" ./cmd/kubectl-lbctl)
  lbctl="$tmp/kubectl-lbctl"
fi

# measure NAME LIMIT_MB ARGS...: runs lbctl under /usr/bin/time -v, prints
# the command, its summary line and its maximum RSS, and returns 1 above
# the limit.
measure() {
  local name=$1 limit=$2
  shift 2
  echo "$name: $lbctl $*" >&2
  /usr/bin/time -v -o "$tmp/time.txt" "$lbctl" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt" || {
    code=$?
    # exit 1 is a verdict (the all-failed check); anything else is an error
    [ "$code" = 1 ] || { cat "$tmp/err.txt" >&2; exit 2; }
  }
  local kb mb
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$tmp/time.txt")
  mb=$((kb / 1024))
  echo "  $(head -1 "$tmp/out.txt")"
  echo "  max RSS $mb MB (target < $limit MB)"
  [ "$mb" -lt "$limit" ]
}

ok=0
echo "loopback nginx (1 worker), $(nproc) CPUs"
measure "rate max, ${max_duration}s" "$max_rss_mb" loadtest run --url "$url" --rate max \
  --duration "${max_duration}s" --progress 0 --tui=false || ok=1
measure "${paced_rate}/s, ${paced_duration}s" "$paced_rss_mb" loadtest run --url "$url" --rate "${paced_rate}/s" \
  --duration "${paced_duration}s" --progress 0 --tui=false || ok=1
[ "$ok" = 0 ] || { echo "FAIL: above target" >&2; exit 1; }
echo "PASS"
