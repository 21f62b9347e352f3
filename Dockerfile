# syntax=docker/dockerfile:1
# The ampls-topology-controller image: built with the full toolchain, shipped as Node.js, the C libraries it
# links and the bundled controller (its dependencies inside), and nothing else (no shell, no package manager,
# no node_modules).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Bundle the controller and its dependencies into dist/ with the dev toolchain (hack/bundle.ts: ES modules,
# tree-shaken, with source maps and the third-party license notices beside them).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY hack/bundle.ts ./hack/
COPY src ./src
RUN npm run build

# The runtime root: the node binary without its symbol tables (a seventh of its size), the shared libraries it
# links (ldd names them), an /etc/passwd naming the unprivileged user, and an empty /tmp.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils >/dev/null
RUN set -eu; node=$(command -v node); mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /rootfs/app; \
    strip -o /rootfs/usr/local/bin/node "$node"; \
    for lib in $(ldd "$node" | grep -o '/[^ ]*'); do cp --parents -L "$lib" /rootfs/; done; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnode:x:1000:\n' > /rootfs/etc/group; \
    printf 'hosts: files dns\n' > /rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp

FROM scratch
COPY --from=runtime /rootfs/ /
ENV NODE_ENV=production PATH=/usr/local/bin
WORKDIR /app
COPY --from=build /src/dist ./dist
# "type": "module", for the bundle's .js files.
COPY package.json ./
# The unprivileged "node" user, by number so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/main.js"]
