#!/usr/bin/env bash
# Benchmarks lbctl's load-test engine at full speed against vegeta's CLI
# (`vegeta attack -rate=0 … > file`, v12.13.0) and wrk, in one run, against
# the same loopback nginx, and prints each one's request rate and the
# ratios. The three take turns ROUNDS times; each one's median is reported.
# Fails (exit 1) when lbctl is below 2× vegeta's CLI or 0.5× wrk.
#
#   hack/bench/loadtest.sh                       # defaults: 3 rounds of 10 s, 64 in flight
#   DURATION=20 ROUNDS=5 CONNS=128 hack/bench/loadtest.sh
#   NGINX_WORKERS=2 hack/bench/loadtest.sh       # nginx on both cores
#   LBCTL=./kubectl-lbctl hack/bench/loadtest.sh # time a given binary
#   BASE=/tmp/lbctl-old LBCTL=/tmp/lbctl-new hack/bench/loadtest.sh
#                                                # and another one in the same rounds
#                                                # (before/after a change)
#
# Installs nginx-light and wrk from Debian when missing (as root), and
# vegeta's CLI with `go install` into a temporary GOBIN.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-10}
rounds=${ROUNDS:-3}
conns=${CONNS:-64}
threads=${THREADS:-2}
nginx_workers=${NGINX_WORKERS:-1}
port=${PORT:-18481}
min_vs_vegeta=${MIN_VS_VEGETA:-2}
min_vs_wrk=${MIN_VS_WRK:-0.5}

need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  else
    echo "missing ${need[*]}: install them (apt-get install ${need[*]})" >&2
    exit 3
  fi
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<EOF
worker_processes $nginx_workers;
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
echo "installing vegeta v12.13.0 into $tmp/bin" >&2
if ! GOBIN="$tmp/bin" GOFLAGS= go install github.com/tsenart/vegeta/v12@v12.13.0 2>"$tmp/install.log"; then
  # A proxy that refuses version listing fails `go install`'s deprecation
  # lookup: build the CLI from the module itself instead.
  dir=$(GOFLAGS= go mod download -json github.com/tsenart/vegeta/v12@v12.13.0 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { cat "$tmp/install.log" >&2; exit 3; }
  (cd "$dir" && GOFLAGS=-mod=mod go build -o "$tmp/bin/vegeta" .)
fi
vegeta="$tmp/bin/vegeta"

lbctl_rate() {
  "$1" loadtest run --url "$url" --rate max --max-workers "$conns" --duration "${duration}s" \
    --progress 0 2>/dev/null | sed -n 's/.* requests in .* (\([0-9.]*\)\/s).*/\1/p' | head -1
}
run_lbctl() { lbctl_rate "$lbctl"; }
base=${BASE:-}
run_base() { lbctl_rate "$base"; }
tools="lbctl vegeta wrk"
[ -z "$base" ] || tools="base lbctl vegeta wrk"
run_vegeta() {
  echo "GET $url" | "$vegeta" attack -rate=0 -max-workers="$conns" -duration="${duration}s" >"$tmp/vegeta.bin"
  "$vegeta" report -type=json <"$tmp/vegeta.bin" | sed -n 's/.*"rate":\([0-9.]*\).*/\1/p'
}
run_wrk() {
  wrk -t"$threads" -c"$conns" -d"${duration}s" "$url" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'
}

declare -A got last
for r in $(seq "$rounds"); do
  for tool in $tools; do
    v=$("run_$tool")
    [ -n "$v" ] || { echo "$tool printed no rate" >&2; exit 2; }
    printf 'round %d  %-7s %10.0f req/s\n' "$r" "$tool" "$v" >&2
    got[$tool]+="$v "
    last[$tool]=$v
  done
  # The machine's load drifts between rounds: a round's ratio compares
  # runs made a few seconds apart.
  rw=$(awk -v a="${last[lbctl]}" -v b="${last[wrk]}" 'BEGIN{printf "%.2f", a/b}')
  printf 'round %d  lbctl / wrk = %s\n' "$r" "$rw" >&2
  got[ratio]+="$rw "
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
l=$(echo "${got[lbctl]}" | median)
v=$(echo "${got[vegeta]}" | median)
w=$(echo "${got[wrk]}" | median)
lv=$(awk -v a="$l" -v b="$v" 'BEGIN{printf "%.2f", a/b}')
lw=$(awk -v a="$l" -v b="$w" 'BEGIN{printf "%.2f", a/b}')
echo
echo "loopback nginx ($nginx_workers worker), ${duration}s per run, $conns in flight, $rounds rounds, $(nproc) CPUs; medians:"
printf '  lbctl loadtest run --rate max   %10.0f req/s\n' "$l"
printf '  vegeta attack -rate=0 > file    %10.0f req/s\n' "$v"
printf '  wrk -t%d -c%d                    %10.0f req/s\n' "$threads" "$conns" "$w"
echo "  lbctl / vegeta CLI = $lv (target ≥ $min_vs_vegeta)"
echo "  lbctl / wrk        = $lw (target ≥ $min_vs_wrk); median of the rounds' ratios $(echo "${got[ratio]}" | median)"
if [ -n "$base" ]; then
  b=$(echo "${got[base]}" | median)
  printf '  base (%s)  %10.0f req/s: lbctl / base = %s, base / wrk = %s\n' "$base" "$b" \
    "$(awk -v a="$l" -v b="$b" 'BEGIN{printf "%.2f", a/b}')" "$(awk -v a="$b" -v b="$w" 'BEGIN{printf "%.2f", a/b}')"
fi
ok=$(awk -v a="$lv" -v b="$lw" -v x="$min_vs_vegeta" -v y="$min_vs_wrk" 'BEGIN{print (a>=x && b>=y) ? 1 : 0}')
[ "$ok" = 1 ] || { echo "FAIL: below target" >&2; exit 1; }
echo "PASS"
