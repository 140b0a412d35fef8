#!/usr/bin/env bash
# Provides the binaries the integration tests, the benchmarks and `lbctl sandbox up`
# run: kube-apiserver and kubectl built from the Go module proxy (once per version,
# cached outside the repository), etcd from Debian's etcd-server package, and tmux
# (Debian's) for the TUI flow tests.
# Prints the assets directory (for KUBEBUILDER_ASSETS) on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$here/kube-apiserver/go.mod")
cache=${LBCTL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lbctl}
dir="$cache/envtest/$version"
mkdir -p "$dir"

if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/kubectl" ]; then
  echo "building kube-apiserver and kubectl $version into $dir (first time only, several minutes)" >&2
  tmp=$(mktemp -d "$dir/.build.XXXX")
  (cd "$here/kube-apiserver" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) >&2
  mv "$tmp/kube-apiserver" "$tmp/kubectl" "$dir/"
  rmdir "$tmp"
fi

if [ ! -x "$dir/etcd" ]; then
  etcd=$(command -v etcd || true)
  if [ -z "$etcd" ] && [ -x /usr/bin/etcd ]; then etcd=/usr/bin/etcd; fi
  if [ -z "$etcd" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing etcd-server from Debian" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2
      systemctl disable --now etcd >/dev/null 2>&1 || true
      etcd=/usr/bin/etcd
    else
      echo "etcd is missing: install Debian's etcd-server package (apt-get install etcd-server)" >&2
      exit 3
    fi
  fi
  ln -sf "$etcd" "$dir/etcd"
fi

# The health TUI flow tests drive the built binary in tmux.
if ! command -v tmux >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing tmux from Debian" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >&2
  else
    echo "tmux is missing: the health TUI flow tests need it (apt-get install tmux)" >&2
  fi
fi
echo "$dir"
