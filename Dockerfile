# syntax=docker/dockerfile:1
# Build with dev dependencies, prune them, and run with what is left: production dependencies only.
FROM node:20-bookworm-slim AS build
# better-sqlite3 (the mirror store) is a native addon. Its install script downloads a prebuilt binary from
# GitHub, and compiles one with node-gyp when it can't (no route to GitHub, no binary for this Node/libc):
# node-gyp needs python3, make and g++. They stay in this stage; the runtime stage gets the compiled addon.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp compiles against these Node headers (the image has them in /usr/local/include/node) instead of
# downloading them from nodejs.org.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sim ./sim
RUN npm run build
# Drop the dev dependencies in place: node_modules keeps the addon compiled above, so it is built once, here,
# and the runtime stage needs neither a compiler nor the network (a second `npm ci` there would need both).
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# HOST: the gateway alone defaults to loopback (its demo runs with auth off); a container must listen on its
# own interface to be reached. NODE_ENV=production: never an embedded simulator (every vendor needs its
# *_BASE_URL and credentials).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 CONFIG_DIR=/app/config
# The SQLite mirror (MIRROR_STORE=sqlite, the default) is DATA_DIR/mirror.sqlite.
ENV DATA_DIR=/app/data
# The commit this image is built from, for switchboard_build_info and the traces' resource:
# `docker build --build-arg BUILD_COMMIT=$(git rev-parse --short HEAD) .` (empty: `unknown`).
ARG BUILD_COMMIT=
ENV BUILD_COMMIT=${BUILD_COMMIT}
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY bin ./bin
# The one folder the process writes: owned by the unprivileged user it runs as (node, 1000), and the owner's only
# (conversation data). A named volume mounted here starts as a copy of this folder, ownership included.
RUN mkdir -p /app/data && chown 1000:1000 /app/data && chmod 700 /app/data
# A volume, so the mirror outlives the container (`-v sbdata:/app/data`); without one, Docker makes an
# anonymous volume and a new container starts its mirror from nothing (a full read of each mirrored vendor).
# With MIRROR_STORE=postgres://… (several replicas) nothing is written here.
VOLUME ["/app/data"]
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only check a numeric USER (with a name
# the kubelet can't tell it isn't root and refuses to start the container).
USER 1000:1000
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/server.js"]
