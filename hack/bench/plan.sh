#!/usr/bin/env bash
# Plans a generated estate of 5,000 Ingresses across 200 namespaces from
# manifests (reading included) and reports wall time and peak RSS.
# Targets: planning under 2 s and 500 MB (the Go benchmark
# `go test ./migrate/plan/ -run '^$' -bench Plan5000 -benchmem` isolates the planner).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/kubectl-lbctl" ./cmd/kubectl-lbctl
go run ./hack/bench/planestate -namespaces "${NAMESPACES:-200}" -apps "${APPS:-25}" > "$tmp/estate.yaml"
echo "estate: $(grep -c '^kind: Ingress$' "$tmp/estate.yaml") Ingresses, $(du -h "$tmp/estate.yaml" | cut -f1)"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 3; }
hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic -i \
  -n "plan -f (5,000 Ingresses) -o json" "$tmp/kubectl-lbctl plan -f $tmp/estate.yaml --no-aws -o json > /dev/null"
/usr/bin/time -v "$tmp/kubectl-lbctl" plan -f "$tmp/estate.yaml" --no-aws -o json 2> "$tmp/time.txt" > /dev/null || true
grep -E 'Maximum resident|Elapsed' "$tmp/time.txt"
