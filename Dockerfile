# avcm container image: the CLI with ffmpeg, running as a non-root user.
#   docker build -t avcm:0.1.0 .
#   docker run --rm avcm:0.1.0 validate scenarios/
# The same image runs every role: `agent` (engine pods / containers), `receive` (probe), `relay`.
#
# The base images are build arguments, so a machine without a registry can build on a local base
# (scripts/docker-local.sh imports a Debian bookworm root filesystem holding this host's Node.js):
#   docker build --network host --build-arg BUILD_IMAGE=avcm-base:... --build-arg BASE_IMAGE=avcm-base:... -t avcm:0.1.0 .
# Either base needs Node.js 20 with npm on PATH; the runtime base also apt-get and useradd (Debian).
ARG BUILD_IMAGE=node:20-bookworm
ARG BASE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript, then keep only runtime dependencies ---
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (cached while only sources change); `prepare` builds later, once sources are in.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY reporters ./reporters
COPY schemas ./schemas
COPY scenarios ./scenarios
COPY examples ./examples
COPY traces ./traces
COPY media ./media
COPY monitoring ./monitoring
COPY k8s ./k8s
# The batched UDP addon (sendmmsg/GSO/recvmmsg, native SRTP), compiled against this image's own
# Node headers (nodedir: no header download; /usr/local in the official images, /usr in the local
# base scripts/docker-local.sh makes). The runtime image has no compiler, so it is built here.
ARG NODE_DIR=/usr/local
COPY binding.gyp ./
COPY native ./native
RUN npm_config_nodedir=${NODE_DIR} npm run native:build
RUN npm run build && npm prune --omit=dev

# --- runtime: node + ffmpeg, no compilers, no dev dependencies ---
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin avcm
WORKDIR /opt/avcm
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/scenarios ./scenarios
COPY --from=build /app/examples ./examples
COPY --from=build /app/traces ./traces
COPY --from=build /app/media ./media
COPY --from=build /app/monitoring ./monitoring
COPY --from=build /app/k8s ./k8s
COPY --from=build /app/reporters/html ./reporters/html
COPY --from=build /app/build/Release/avcm_udp.node ./build/Release/avcm_udp.node
RUN ln -s /opt/avcm/bin/avcm.js /usr/local/bin/avcm
# Converted media is cached here; pods mount an emptyDir over it.
ENV NODE_ENV=production AVCM_CACHE_DIR=/tmp/avcm-cache
USER 10001:10001
# Probe RTP (UDP), relay (TCP), engine metrics.
EXPOSE 5002/udp 7000/tcp 9464/tcp
ENTRYPOINT ["avcm"]
CMD ["--help"]
