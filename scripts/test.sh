#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh Debian machine, then runs the whole suite.
# Real components, no mocks: ffmpeg, Chromium, xmllint, coturn, promtool, GStreamer, Janus and Docker come from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_packages=()
command -v ffmpeg >/dev/null || need_packages+=(ffmpeg)
command -v chromium >/dev/null || need_packages+=(chromium)
command -v xmllint >/dev/null || need_packages+=(libxml2-utils)
command -v turnserver >/dev/null || need_packages+=(coturn)
command -v promtool >/dev/null || need_packages+=(prometheus)
command -v curl >/dev/null || need_packages+=(curl)
# stress-ng: the CPU hog of AVCM_TEST_CPU_HOG below (a busy CI runner, on purpose).
command -v stress-ng >/dev/null || need_packages+=(stress-ng)
# GStreamer: the independent RTP/RTCP endpoint of the feedback-loop tests (x264enc is in -ugly, avdec_h264 in -libav).
command -v gst-launch-1.0 >/dev/null || need_packages+=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "avcm test setup: installing ${need_packages[*]} from Debian"
  apt_install "${need_packages[@]}"
fi
# Janus is best effort: where it cannot be installed its tests say so and are skipped.
if ! command -v janus >/dev/null; then
  echo "avcm test setup: installing janus from Debian"
  apt_install janus || echo "avcm test setup: janus could not be installed; the Janus tests will be skipped"
fi

# Docker is best effort too: docker-local.sh installs docker.io, starts an engine with no bridge and
# no iptables, and builds avcm's image on a local base (no registry). Where that fails, the Docker
# tests say why and are skipped; everything else still runs.
if ! scripts/docker-local.sh start; then
  echo "avcm test setup: no Docker engine could be started; the Docker tests will be skipped"
fi

# Bigger UDP socket buffers for the probe and the benchmark (root only; harmless when refused).
if [ "$(id -u)" -eq 0 ]; then
  sysctl -q -w net.core.rmem_max=134217728 net.core.wmem_max=16777216 2>/dev/null || true
fi

# Clean install from the lockfile; `prepare` builds dist/ (the CLI the integration tests spawn).
npm ci --no-audit --no-fund
npm run build
npm run typecheck
# AVCM_TEST_CPU_HOG=SECONDS: run the suite while one core is held busy (stress-ng, bounded by its
# own timeout and stopped when the suite ends), as on a shared CI runner. Timing-sensitive tests
# must still pass: a clean run may be inconclusive there (exit 3), never failed.
if [ -n "${AVCM_TEST_CPU_HOG:-}" ]; then
  stress-ng --cpu 1 --timeout "${AVCM_TEST_CPU_HOG}s" --quiet &
  hog_pid=$!
  trap 'kill "$hog_pid" 2>/dev/null || true' EXIT
  echo "avcm test setup: stress-ng holds one core busy for up to ${AVCM_TEST_CPU_HOG}s (pid $hog_pid)"
fi
npx vitest run "$@"
