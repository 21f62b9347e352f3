#!/usr/bin/env bash
# Builds the project's Dockerfile, unchanged, with buildah and no daemon: NODE_IMAGE is the local base from
# build-base.sh, since public base images cannot be pulled here. Layers are cached by buildah, so a rebuild
# with the same sources is quick. Prints the image name (default localhost/ampls-topology-controller:dev).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
image=${1:-localhost/ampls-topology-controller:dev}
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "[image] $tool is not installed (apt-get install buildah debootstrap)" >&2; exit 3; }
done
base=$(bash "$here/build-base.sh")
echo "[image] building $image from $repo with NODE_IMAGE=$base" >&2
# chroot isolation: no nested container runtime or cgroup set-up is needed to run the RUN steps.
buildah bud --isolation chroot --layers --quiet --build-arg "NODE_IMAGE=$base" -t "$image" -f "$repo/Dockerfile" "$repo" >&2
echo "$image"
