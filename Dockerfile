# syntax=docker/dockerfile:1
# svcdns container image: compiled on Debian bookworm, run on distroless Node.js 24 as uid 65532.
# The DNS port is 1053 (no privilege needed); the chart's Service maps port 53 to it.

# --- build: the full toolchain compiles TypeScript to dist/ --------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts are skipped: compiling needs none, and dev tools' downloads have no place here.
# `npm install` rather than `npm ci`: the lock file is generated against a registry that lacks rollup's
# non-Linux optional packages, so it cannot list them and `npm ci` rejects it; `npm install` still
# installs exactly the versions the lock lists.
RUN --mount=type=cache,target=/root/.npm npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src/ src/
RUN npm run build

# --- deps: production dependencies only, installed fresh so nothing from dev leaks in --------------
FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: no shell, no package manager; the entrypoint is node ---------------------------------
# Debian 12 matches the bookworm build stages.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# A small young generation and two malloc arenas keep RSS close to the live heap. Measured with
# bench:sync at 10k services / 150k endpoints: after a full relist ~214 MB with the defaults, 182-187 MB
# with a 2 MB young generation; under a 35k q/s random-name flood ~320 MB with the defaults, ~110 MB with
# a small heap. 1 MB also keeps each scavenge short: it sweeps the buffers of fewer received datagrams
# (0.4 ms against 0.7 at the default's 4 MB under the benchmark's half load), which took p99 at half
# load under 1 ms in 7 of 10 runs against 2 of 10 with 2 MB, at the same CPU per query but for the
# ptr mix, ~5% more (README, Performance). The benchmark runs svcdns with these options too (bench/lib/servers.ts).
ENV NODE_OPTIONS=--max-semi-space-size=1 MALLOC_ARENA_MAX=2
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY examples/ ./examples/
# Numeric, so the kubelet can verify runAsNonRoot.
USER 65532:65532
EXPOSE 1053/udp 1053/tcp 8080/tcp
# For docker run only; Kubernetes uses the chart's probes. No shell here, so node does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8's memory reducer off: its memory-reducing full collections paused queries for 7-9 ms under load
# (README, Performance); svcdns compacts the heap itself after each load. NODE_OPTIONS refuses the flag.
CMD ["--no-memory-reducer", "dist/main.js", "--listen=0.0.0.0:1053", "--listen=[::]:1053", "--admin=0.0.0.0:8080"]
