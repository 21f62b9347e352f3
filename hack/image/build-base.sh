#!/usr/bin/env bash
# Builds the local stand-in for the Dockerfile's NODE_IMAGE (node:<version>-bookworm-slim) where no public
# image can be pulled: a minimal Debian bookworm root filesystem from the Debian mirror apt already uses, the
# Node.js binary of the project's pinned `node` devDependency and npm from the npm registry, with the
# image's unprivileged "node" user (1000:1000). The root filesystem is cached under ~/.cache/mtopo keyed by
# every input, and imported into buildah's local storage once per key. Prints the image name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${MTOPO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mtopo}
cache=$cache_root/image
mkdir -p "$cache"
log() { echo "[image-base] $*" >&2; }

SUITE=bookworm
NPM_VERSION=11.19.1
node_bin=$repo/node_modules/node/bin/node
[ -x "$node_bin" ] || { log "no Node.js binary at $node_bin (run npm ci)"; exit 1; }
node_version=$("$node_bin" --version)

# The mirror apt is set up with (deb822 sources first, then the one-line format).
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
fi
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

# This machine's trust store: the build steps fetch from the npm registry through whatever TLS path the
# machine itself trusts (an intercepting proxy's CA included). It is not part of the cached root filesystem.
host_ca=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$host_ca" ] || host_ca=

key=$( { echo "$SUITE $mirror $NPM_VERSION"; sha256sum "$node_bin" | cut -d' ' -f1; sha256sum "$0" | cut -d' ' -f1; } | sha256sum | cut -c1-16)
tarball=$cache/node-base-$key.tar
tag=$key
[ -n "$host_ca" ] && tag=$key-$(sha256sum "$host_ca" | cut -c1-8)
image=localhost/mtopo-node-base:$tag

exec 9>"$cache/.base.lock"
flock 9

if buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

if [ ! -s "$tarball" ]; then
  log "building the base root filesystem ($SUITE minbase from $mirror, Node.js $node_version, npm $NPM_VERSION); first run only"
  work=$(mktemp -d "$cache/build-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  rootfs=$work/rootfs
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
  }
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # The official image's user, so USER 1000:1000 and runAsUser 1000 name someone.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What Debian's -slim images leave out, and what an image never needs: docs, manuals, locales, apt state.
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.npm
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi

log "importing $tarball as $image"
ctr=$(buildah from scratch)
buildah add --quiet "$ctr" "$tarball" / >/dev/null
if [ -n "$host_ca" ]; then
  buildah copy --quiet "$ctr" "$host_ca" /etc/ssl/certs/host-ca-bundle.crt >/dev/null
  buildah config --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-bundle.crt "$ctr"
fi
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="${node_version#v}" \
  --cmd node --label org.opencontainers.image.description="local stand-in for node:${node_version#v}-$SUITE-slim" "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
echo "$image"
