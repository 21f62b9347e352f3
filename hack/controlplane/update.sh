#!/usr/bin/env bash
# Regenerates the wrapper modules (go.mod/go.sum) that pin kube-apiserver and etcd to published module versions.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/versions.env"
kube_minor=${KUBE_VERSION#v1.}
staging_version="v0.${kube_minor}"

gen_kube() {
  local dir=$here/kube
  local upstream
  upstream=$(curl -fsSL "${GOPROXY_URL:-https://proxy.golang.org}/k8s.io/kubernetes/@v/${KUBE_VERSION}.mod")
  {
    echo "// Wrapper module: builds kube-apiserver ${KUBE_VERSION} from the published Go modules."
    echo "module ampls.dev/controlplane/kube"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes ${KUBE_VERSION}"
    echo
    echo "replace ("
    # Every staging module the upstream go.mod replaces with a local path gets its published v0.Y.Z.
    echo "$upstream" | awk '/=> \.\/staging\/src\// {print $1}' | while read -r mod; do
      echo "	${mod} => ${mod} ${staging_version}"
    done
    echo ")"
  } > "$dir/go.mod"
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
}

gen_etcd() {
  local dir=$here/etcd
  {
    echo "// Wrapper module: builds etcd ${ETCD_VERSION} from the published Go modules."
    echo "module ampls.dev/controlplane/etcd"
    echo
    echo "go 1.26"
    echo
    echo "require go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
    echo
    echo "replace ("
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
      echo "	go.etcd.io/etcd/${m} => go.etcd.io/etcd/${m} ${ETCD_VERSION}"
    done
    echo ")"
  } > "$dir/go.mod"
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
}

gen_kube
gen_etcd
