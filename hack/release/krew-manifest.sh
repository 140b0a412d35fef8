#!/usr/bin/env bash
# Regenerates plugins/lbctl.yaml, the krew manifest, from a goreleaser dist/
# directory (checksums.txt and metadata.json): one platform per archive.
# Usage: hack/release/krew-manifest.sh [DIST] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=${1:-dist}
out=${2:-plugins/lbctl.yaml}
repo=https://github.com/lbctl/lbctl
version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$dist/metadata.json" | head -1)
[ -n "$version" ] || { echo "error: no version in $dist/metadata.json" >&2; exit 2; }
tag=v${version#v}

{
cat <<YAML
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: lbctl
spec:
  version: $tag
  homepage: $repo
  shortDescription: Move ALB ingresses from NodePort to shared-ALB ip targets, safely
  description: |
    lbctl scans a cluster joined with AWS for Ingresses and Services that still send
    AWS Load Balancer Controller traffic through NodePorts (instance targets), plans
    and carries out the move to ip targets on one shared ALB per ingress group, and
    measures the result: live target health and load tests of the old path against
    the new one. \`kubectl lbctl iam-policy\` and \`kubectl lbctl rbac\` print the
    least-privilege IAM policy and RBAC it needs.
  caveats: |
    To complete \`kubectl lbctl <TAB>\` (kubectl 1.26 or newer), put the completion
    shim on your PATH; krew installs only the main binary:

      kubectl lbctl completion kubectl-shim --dir ~/.local/bin

    (any directory on PATH works). Shell completion for the plugin itself:
    \`kubectl lbctl completion bash|zsh|fish|powershell --help\`.

    Least privilege: \`kubectl lbctl iam-policy --for scan\` and
    \`kubectl lbctl rbac --for scan\`.
  platforms:
YAML
grep -E 'kubectl-lbctl_.*_(linux|darwin|windows)_(amd64|arm64)\.(tar\.gz|zip)$' "$dist/checksums.txt" | sort -k2 |
while read -r sum file; do
  rest=${file%.tar.gz}; rest=${rest%.zip}
  arch=${rest##*_}; rest=${rest%_*}; os=${rest##*_}
  bin=kubectl-lbctl; [ "$os" = windows ] && bin=kubectl-lbctl.exe
  cat <<YAML
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $repo/releases/download/$tag/$file
    sha256: $sum
    bin: $bin
YAML
done
} > "$out.tmp"
n=$(grep -c 'sha256:' "$out.tmp" || true)
[ "$n" -eq 6 ] || { rm -f "$out.tmp"; echo "error: $dist/checksums.txt lists $n of the 6 archives" >&2; exit 1; }
mv "$out.tmp" "$out"
echo "wrote $out ($tag, $n platforms)" >&2
