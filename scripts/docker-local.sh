#!/usr/bin/env bash
# A Docker engine on this machine for avcm's docker backend and its tests, with no registry:
# Debian's docker.io (Engine 20.10), kept off the network — no bridge, no iptables rules, no
# forwarding, so no bridge interface and no private-range address ever appears; containers use the
# host's network only — and avcm's image built from the repository's Dockerfile on a LOCAL base
# image: a Debian bookworm root filesystem from Debian's archive (debootstrap) holding this host's
# Node.js and npm, imported with `docker import` and kept (built once per Node.js version).
#
#   scripts/docker-local.sh start [IMAGE]   # install + start the engine, build the base (cached) and IMAGE
#   scripts/docker-local.sh stop            # stop the engine this script started
#   scripts/docker-local.sh status
#
# IMAGE defaults to avcm:<package.json version>. When an engine already answers (DOCKER_HOST or the
# default socket) it is used as it is. Needs root (or sudo) to install packages and run dockerd.
# Environment: AVCM_DOCKER_DIR (state: pid, logs), AVCM_DEBIAN_MIRROR (default deb.debian.org).
set -euo pipefail

action="${1:-start}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
state_dir="${AVCM_DOCKER_DIR:-${TMPDIR:-/tmp}/avcm-docker}"
mirror="${AVCM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$repo/package.json" | head -1)"
image="${2:-avcm:$version}"

say() { echo "docker-local: $*"; }
fail() { echo "docker-local: $*" >&2; exit 3; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
# Debian's CLI matches the engine it installs; any other docker CLI on PATH works too.
as_root() { if [ "$SUDO" = sudo ]; then sudo "$@"; else "$@"; fi; }
docker_cli() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi; }
engine_answers() { timeout 10 "$(command -v /usr/bin/docker docker | head -1)" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

apt_install() {
  [ "$SUDO" = none ] && fail "$* not installed and this user cannot install packages (needs root or sudo)"
  # Packages must not start their services: docker.io's would start dockerd with a bridge.
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$guard" >/dev/null && as_root chmod +x "$guard"
  fi
  local status=0
  { as_root apt-get -o DPkg::Lock::Timeout=600 update -qq \
    && DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null; } || status=$?
  [ -n "$guard" ] && as_root rm -f "$guard"
  return $status
}

# A bridge interface or a private-range address means something put this machine on a network it must not be on.
network_clean() {
  local bridges private
  bridges="$(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')"
  private="$(ip -o -4 addr show 2>/dev/null | awk '{print $4}' | grep -E '^(10\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.)' | tr '\n' ' ' || true)"
  if [ -n "$bridges$private" ]; then echo "bridges: ${bridges:-none}; private addresses: ${private:-none}"; return 1; fi
}

stop_engine() {
  [ -f "$state_dir/dockerd.pid" ] || { say "no engine started by this script"; return 0; }
  local pid
  pid="$(cat "$state_dir/dockerd.pid")"
  if [ -d "/proc/$pid" ] && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    as_root kill "$pid"
    for _ in $(seq 200); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    as_root kill -9 "$pid" 2>/dev/null || true
    say "engine stopped (pid $pid)"
  fi
  as_root rm -f "$state_dir/dockerd.pid"
}

start_engine() {
  if engine_answers; then
    say "an engine already answers ($(docker_cli version --format '{{.Server.Version}}'))"
    return 0
  fi
  [ -n "${DOCKER_HOST:-}" ] && fail "DOCKER_HOST=$DOCKER_HOST does not answer (unset it to start an engine on this machine)"
  [ "$SUDO" = none ] && fail "no engine answers and this user cannot start dockerd (needs root)"
  command -v dockerd >/dev/null || { say "installing docker.io from Debian"; apt_install docker.io || fail "docker.io could not be installed"; }
  local before
  before="$(network_clean || true)"
  # --bridge=none: no docker0 and no default bridge network (containers get the host's network or none);
  # no iptables rules, forwarding or masquerading: the engine never touches the host's networking.
  # Its own session, no inherited descriptors (the start lock on fd 9 must not outlive this script).
  local launcher=(setsid)
  [ "$SUDO" = sudo ] && launcher=(sudo setsid)
  "${launcher[@]}" dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false --ipv6=false --userland-proxy=false \
    --pidfile "$state_dir/dockerd.pid" </dev/null >"$state_dir/dockerd.log" 2>&1 9>&- &
  local launched=$!
  for _ in $(seq 300); do
    engine_answers && break
    [ -d "/proc/$launched" ] || break
    sleep 0.1
  done
  if ! engine_answers; then
    echo "docker-local: dockerd did not answer within 30 s; its log ($state_dir/dockerd.log):" >&2
    tail -20 "$state_dir/dockerd.log" >&2 || true
    # Only the process started here: a pid file may name an engine someone else runs.
    as_root kill "$launched" 2>/dev/null || true
    exit 3
  fi
  local after
  if ! after="$(network_clean)" && [ "$after" != "$before" ]; then
    stop_engine >/dev/null
    fail "the engine changed the machine's network ($after); stopped it"
  fi
  say "engine $(docker_cli version --format '{{.Server.Version}}') started (pid $(cat "$state_dir/dockerd.pid"), log $state_dir/dockerd.log)"
}

# The local base: Debian bookworm (minbase, from Debian's archive, plus python3, make and g++ for
# node-gyp) + this host's node, npm and Node.js headers (the Dockerfile compiles the native addon
# against them: NODE_DIR=/usr) + this host's CA bundle (so npm in `docker build` trusts what the
# host trusts). Tagged by the Node.js version.
build_base() {
  local node_bin node_version tag rootfs
  node_bin="$(readlink -f "$(command -v node)")" || fail "no node on PATH to put into the base image"
  node_version="$("$node_bin" --version)"
  tag="avcm-base:$suite-node${node_version#v}-gyp"
  if docker_cli image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return 0; fi
  [ "$SUDO" = none ] && fail "the base image $tag is missing and building it needs root (debootstrap, chroot)"
  command -v debootstrap >/dev/null || { say "installing debootstrap from Debian" >&2; apt_install debootstrap || fail "debootstrap could not be installed"; }
  rootfs="$state_dir/rootfs"
  as_root rm -rf "$rootfs"
  say "building the base image $tag (debootstrap $suite from $mirror; once)" >&2
  as_root debootstrap --variant=minbase --include=python3,make,g++ "$suite" "$rootfs" "$mirror" >"$state_dir/debootstrap.log" 2>&1 \
    || { tail -20 "$state_dir/debootstrap.log" >&2; fail "debootstrap failed (log $state_dir/debootstrap.log)"; }
  as_root cp "$node_bin" "$rootfs/usr/bin/node"
  local headers
  headers="$(dirname "$node_bin")/../include/node"
  [ -f "$headers/node_api.h" ] || fail "no Node.js headers next to $node_bin (looked in $headers): the image's native addon is compiled against them"
  as_root mkdir -p "$rootfs/usr/include" && as_root cp -a "$(readlink -f "$headers")" "$rootfs/usr/include/node"
  # Libraries node links that the minimal system lacks (none for the official builds; several for Debian's nodejs).
  ldd "$node_bin" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | while read -r lib; do
    [ -e "$rootfs$lib" ] || { as_root mkdir -p "$rootfs$(dirname "$lib")" && as_root cp -L "$lib" "$rootfs$lib"; }
  done
  local npm_dir
  npm_dir="$(npm root -g 2>/dev/null)/npm"
  if [ -d "$npm_dir" ]; then
    as_root mkdir -p "$rootfs/usr/lib/node_modules"
    as_root cp -a "$npm_dir" "$rootfs/usr/lib/node_modules/npm"
    as_root ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
    as_root ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"
  fi
  local ca_env=()
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    as_root mkdir -p "$rootfs/etc/ssl/certs" && as_root cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  fi
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  as_root chroot "$rootfs" /usr/bin/node --version >/dev/null || fail "node does not run inside the base root filesystem"
  as_root tar -C "$rootfs" -c . | docker_cli import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "${ca_env[@]}" \
    --change 'CMD ["node"]' - "$tag" >/dev/null
  as_root rm -rf "$rootfs"
  echo "$tag"
}

build_image() {
  local base="$1"
  say "building $image from the Dockerfile on $base (log $state_dir/build.log)"
  # The legacy builder on the host's network: the engine has no bridge for build steps.
  if ! DOCKER_BUILDKIT=0 docker_cli build --network host --build-arg "BUILD_IMAGE=$base" --build-arg "BASE_IMAGE=$base" --build-arg NODE_DIR=/usr \
    -t "$image" "$repo" >"$state_dir/build.log" 2>&1; then
    tail -30 "$state_dir/build.log" >&2
    fail "docker build failed (log $state_dir/build.log)"
  fi
}

mkdir -p "$state_dir"
case "$action" in
  stop) stop_engine; exit 0 ;;
  status)
    if engine_answers; then say "engine $(docker_cli version --format '{{.Server.Version}}') answers"; exit 0; fi
    say "no engine answers"; exit 1 ;;
  start) ;;
  *) echo "usage: $0 start [IMAGE] | stop | status" >&2; exit 2 ;;
esac

# One start at a time (parallel test files, a second shell).
exec 9>"$state_dir/lock"
flock -w 900 9 || fail "another docker-local.sh start holds $state_dir/lock"
start_engine
base="$(build_base)"
build_image "$base"
say "ready: engine $(docker_cli version --format '{{.Server.Version}}'), image $image (base $base)"
