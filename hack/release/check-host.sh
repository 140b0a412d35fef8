#!/usr/bin/env bash
# The part of a release CI can afford: `goreleaser check` of .goreleaser.yaml,
# then `goreleaser build --snapshot --single-target` of its build for this
# machine's platform only, and the binary it made must run and be built as the
# release builds it (snapshot version through the ldflags, CGO_ENABLED=0,
# -trimpath). The build goes to a temporary dist; the repository's dist/ (a
# full snapshot's) is left alone. Archives and the krew manifest need all six
# platforms: make release-snapshot.
# Usage: hack/release/check-host.sh GORELEASER
set -euo pipefail
cd "$(dirname "$0")/../.."
goreleaser=${1:?usage: $0 GORELEASER}

"$goreleaser" check

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same configuration with another dist: directory (relative paths in it
# still resolve from the repository root, where goreleaser runs).
{ cat .goreleaser.yaml; printf '\ndist: %s/dist\n' "$tmp"; } > "$tmp/goreleaser.yaml"
"$goreleaser" build --config "$tmp/goreleaser.yaml" --snapshot --single-target --clean \
  --output "$tmp/kubectl-lbctl"

out=$("$tmp/kubectl-lbctl" version)
echo "$out"
case $out in
  lbctl\ *-next\ \(commit\ *) ;;
  *) echo "error: the snapshot binary's version is not the snapshot's (ldflags not applied?): $out" >&2; exit 1 ;;
esac
info=$(go version -m "$tmp/kubectl-lbctl")
for want in 'CGO_ENABLED=0' '-trimpath=true'; do
  grep -qF -- "$want" <<<"$info" || { echo "error: the snapshot binary was not built with $want:" >&2; echo "$info" >&2; exit 1; }
done
echo "ok: goreleaser check, and the $(go env GOOS)/$(go env GOARCH) snapshot binary runs" >&2
