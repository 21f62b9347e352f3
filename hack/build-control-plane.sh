#!/usr/bin/env bash
# Builds kube-apiserver, kubectl, etcd, helm, kubeconform and promtool from Go modules into a version-keyed cache.
# Prints the cache directory holding the binaries. A second run with the same versions does nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/controlplane/versions.env"
cache_root=${MTOPO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mtopo}
bin=$cache_root/bin
mkdir -p "$bin"
export GOFLAGS=-mod=mod
log() { echo "[control-plane] $*" >&2; }
# One build at a time per cache: parallel test runs would otherwise race on the same outputs.
exec 9>"$bin/.build.lock"
if ! flock -n 9; then
  log "waiting for another build into $bin"
  flock 9
fi

kube_ldflags() { # version stamp, so /version and `kubectl version` report the release
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

build_kube_cmd() { # name: a command under k8s.io/kubernetes/cmd
  local out=$bin/$1-$KUBE_VERSION
  [ -x "$out" ] && return 0
  log "building $1 $KUBE_VERSION (first run only; minutes)"
  (cd "$here/controlplane/kube" && go build -trimpath -ldflags "$(kube_ldflags)" -o "$out.tmp" "k8s.io/kubernetes/cmd/$1")
  mv "$out.tmp" "$out"
}

build_etcd() {
  local out=$bin/etcd-$ETCD_VERSION
  [ -x "$out" ] && return 0
  log "building etcd $ETCD_VERSION"
  (cd "$here/controlplane/etcd" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3)
  mv "$out.tmp" "$out"
}

build_tool() { # name module version
  local out=$bin/$1-$3
  [ -x "$out" ] && return 0
  log "building $1 $3"
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin GOFLAGS= go install "$2@$3"
  mv "$gobin/$1" "$out"
  rmdir "$gobin"
}

build_promtool() { # without the service-discovery plugins, which rule checks never use and which triple the build
  local out=$bin/promtool-$PROMTOOL_VERSION
  [ -x "$out" ] && return 0
  log "building promtool $PROMTOOL_VERSION (first run only; minutes)"
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin GOFLAGS= go install -trimpath -tags remove_all_sd -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
  mv "$gobin/promtool" "$out"
  rmdir "$gobin"
}

what=${1:-all}
case $what in
  control-plane) build_etcd; build_kube_cmd kube-apiserver; build_kube_cmd kubectl ;;
  tools) build_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"; build_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
  all) build_etcd; build_kube_cmd kube-apiserver; build_kube_cmd kubectl
       build_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
       build_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
  promtool) build_promtool ;;
  *) echo "usage: $0 [all|control-plane|tools|promtool]" >&2; exit 2 ;;
esac
# Stable names, so tests and the sandbox need not know the versions.
ln -sf "etcd-$ETCD_VERSION" "$bin/etcd"
ln -sf "kube-apiserver-$KUBE_VERSION" "$bin/kube-apiserver"
ln -sf "kubectl-$KUBE_VERSION" "$bin/kubectl"
[ -x "$bin/helm-$HELM_VERSION" ] && ln -sf "helm-$HELM_VERSION" "$bin/helm"
[ -x "$bin/kubeconform-$KUBECONFORM_VERSION" ] && ln -sf "kubeconform-$KUBECONFORM_VERSION" "$bin/kubeconform"
[ -x "$bin/promtool-$PROMTOOL_VERSION" ] && ln -sf "promtool-$PROMTOOL_VERSION" "$bin/promtool"
echo "$bin"
