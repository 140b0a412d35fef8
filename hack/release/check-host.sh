#!/usr/bin/env bash
# The part of a release CI can afford: `goreleaser check` of .goreleaser.yaml,
# then `goreleaser release --snapshot --skip=publish` of the same configuration
# narrowed to this machine's platform: the archive (binary, README, LICENSE,
# completions and the kubectl shim), checksums.txt and the krew manifest are
# made as a release makes them, the archive's checksum must match, and the
# binary unpacked from the archive must run and be built as the release
# builds it (snapshot version through the ldflags, CGO_ENABLED=0, -trimpath).
# Everything goes to a temporary dist; the repository's dist/ (a full
# snapshot's) is left alone. All six platforms: make release-snapshot.
# Usage: hack/release/check-host.sh GORELEASER
set -euo pipefail
cd "$(dirname "$0")/../.."
goreleaser=${1:?usage: $0 GORELEASER}

"$goreleaser" check

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
goos=$(go env GOOS) goarch=$(go env GOARCH)
# The same configuration with another dist: directory and only this platform
# (relative paths in it still resolve from the repository root, where
# goreleaser runs).
sed -e "s/^\( *goos:\) \[.*\]/\1 [$goos]/" -e "s/^\( *goarch:\) \[.*\]/\1 [$goarch]/" .goreleaser.yaml > "$tmp/goreleaser.yaml"
grep -q "goos: \[$goos\]" "$tmp/goreleaser.yaml" || { echo "error: could not narrow .goreleaser.yaml's goos to $goos" >&2; exit 1; }
printf '\ndist: %s/dist\n' "$tmp" >> "$tmp/goreleaser.yaml"
"$goreleaser" release --config "$tmp/goreleaser.yaml" --snapshot --skip=publish --clean

dist=$tmp/dist
archive=$(ls "$dist"/kubectl-lbctl_*_"${goos}_${goarch}".tar.gz)
(cd "$dist" && grep " $(basename "$archive")\$" checksums.txt | sha256sum -c -) ||
  { echo "error: $archive does not match checksums.txt" >&2; exit 1; }
contents=$(tar -tzf "$archive")
for want in kubectl-lbctl README.md LICENSE completions/kubectl_complete-lbctl completions/kubectl-lbctl.bash; do
  grep -qx -- "$want" <<<"$contents" || { echo "error: $archive lacks $want" >&2; exit 1; }
done
grep -q "sha256: $(sha256sum "$archive" | cut -d' ' -f1)" "$dist/krew/lbctl.yaml" ||
  { echo "error: the krew manifest does not carry the archive's sha256" >&2; exit 1; }
mkdir "$tmp/unpacked" && tar -xzf "$archive" -C "$tmp/unpacked"
cp "$tmp/unpacked/kubectl-lbctl" "$tmp/kubectl-lbctl"

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
echo "ok: goreleaser check; the $goos/$goarch snapshot archive matches its checksum and the krew manifest, holds what it should, and its binary runs" >&2
