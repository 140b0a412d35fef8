#!/usr/bin/env bash
# Measures the CPU an idle `kubectl lbctl health -A` uses over the large
# sandbox scenario (300 Ingresses, each on its own ALB, 900 targets): the TUI
# in a 160×45 tmux pane and `--watch -o ndjson`, one after the other, each
# for DURATION seconds, from the process's utime+stime in /proc/PID/stat.
# Each is measured WARMUP seconds after its first view (the table on the
# screen, the first events): the first read of 300 ALBs' listeners and
# rules at --aws-rate 20 takes most of a minute. Prints each mode's share of one core and fails (exit 1)
# when one is at or above MAX_PCT (5 by default).
#
#   hack/bench/health.sh                          # starts a large sandbox, measures, stops it
#   DURATION=120 ROUNDS=3 hack/bench/health.sh
#   SANDBOX_DIR=~/.local/state/lbctl/sandbox hack/bench/health.sh   # a sandbox that runs already
#   LBCTL=./kubectl-lbctl hack/bench/health.sh    # measure a given binary
#
# Needs the envtest binaries (hack/envtest-assets.sh) and tmux.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-60}
warmup=${WARMUP:-20}
first_timeout=${FIRST_TIMEOUT:-300}
rounds=${ROUNDS:-1}
interval=${INTERVAL:-2s}
max_pct=${MAX_PCT:-5}

command -v tmux >/dev/null || { echo "tmux is missing (apt-get install tmux)" >&2; exit 3; }
tmp=$(mktemp -d)
lbctl=${LBCTL:-}
if [ -z "$lbctl" ]; then
  (cd "$root" && go build -o "$tmp/kubectl-lbctl" ./cmd/kubectl-lbctl)
  lbctl=$tmp/kubectl-lbctl
fi
sock=$tmp/tmux.sock
own_sandbox=
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "$own_sandbox" ] && "$lbctl" sandbox down --dir "$own_sandbox" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

dir=${SANDBOX_DIR:-}
if [ -z "$dir" ]; then
  dir=$tmp/sandbox
  own_sandbox=$dir
  export KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-$("$root/hack/envtest-assets.sh")}
  start=$(date +%s)
  "$lbctl" sandbox up --scenario large --background --dir "$dir" --timeout "${SANDBOX_TIMEOUT:-6m}" >&2
  echo "sandbox up --scenario large: ready in $(( $(date +%s) - start )) s" >&2
fi
# shellcheck disable=SC1091
. "$dir/env"

ticks=$(getconf CLK_TCK)
# cpu PID: utime+stime of PID, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# measure PID: the share of one core PID uses over DURATION seconds, in %.
measure() {
  local a b
  a=$(cpu "$1")
  sleep "$duration"
  b=$(cpu "$1")
  awk -v d="$((b - a))" -v t="$ticks" -v s="$duration" 'BEGIN { printf "%.2f", 100 * d / t / s }'
}

# until WHAT CMD...: waits up to FIRST_TIMEOUT seconds for CMD to succeed.
until_ok() {
  local what=$1 t0
  shift
  t0=$(date +%s)
  until "$@"; do
    if [ $(( $(date +%s) - t0 )) -ge "$first_timeout" ]; then
      echo "no $what after ${first_timeout} s" >&2
      return 1
    fi
    sleep 1
  done
  echo "$what after $(( $(date +%s) - t0 )) s" >&2
}
shows_table() { tmux -S "$sock" capture-pane -p -t health | grep -q 'LOAD BALANCER'; }

fail=0
report() {
  echo "$1: $2% of one core (${duration} s after ${warmup} s, --interval $interval, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if awk -v p="$2" -v m="$max_pct" 'BEGIN { exit !(p >= m) }'; then fail=1; fi
}

for round in $(seq "$rounds"); do
  # The TUI, on a terminal: the pane runs the binary itself (exec).
  tmux -S "$sock" new-session -d -x 160 -y 45 -s health \
    "exec env KUBECONFIG='$KUBECONFIG' '$lbctl' health -A --interval $interval"
  pid=$(tmux -S "$sock" display-message -p -t health '#{pane_pid}')
  if ! until_ok "the TUI's table" shows_table; then
    tmux -S "$sock" capture-pane -p -t health >&2
    exit 1
  fi
  sleep "$warmup"
  report "round $round, TUI (health -A)" "$(measure "$pid")"
  tmux -S "$sock" kill-server

  # The NDJSON stream.
  "$lbctl" health -A --watch -o ndjson --interval "$interval" --timeout 1h >"$tmp/events" 2>"$tmp/stderr" &
  watch_pid=$!
  until_ok "the first events" test -s "$tmp/events" || { cat "$tmp/stderr" >&2; exit 1; }
  sleep "$warmup"
  report "round $round, --watch -o ndjson ($(wc -l <"$tmp/events") events)" "$(measure "$watch_pid")"
  kill "$watch_pid"
  wait "$watch_pid" 2>/dev/null || true
  watch_pid=
done
exit $fail
