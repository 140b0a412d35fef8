#!/usr/bin/env bash
# Unpacks the snapshot's linux/amd64 archive from a goreleaser dist/ and runs
# the binary's version command: the archive's binary must run.
# Usage: hack/release/run-snapshot-binary.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=${1:-dist}
archive=$(ls "$dist"/kubectl-lbctl_*_linux_amd64.tar.gz | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$archive" -C "$tmp"
for f in README.md LICENSE completions/kubectl_complete-lbctl completions/kubectl-lbctl.bash; do
  [ -e "$tmp/$f" ] || { echo "error: $archive lacks $f" >&2; exit 1; }
done
"$tmp/kubectl-lbctl" version
