#!/usr/bin/env bash
# Starts a Janus (Debian package `janus`, 1.1.x) on loopback for avcm's SFU tests and examples:
# a minimal configuration written to a temp folder — the VideoRoom plugin and the HTTP transport
# only, no admin API, the HTTP API on 127.0.0.1 only, IPv4 ICE on this host's own addresses (libnice
# never gathers loopback candidates, so media uses the host's interface address and stays on the
# machine) — then waits for GET /janus/info.
#
#   scripts/janus-local.sh start   [HTTP_PORT] [RTP_PORT_RANGE]   # prints the pid file and base URL
#   scripts/janus-local.sh restart [HTTP_PORT]   # stops the Janus started on HTTP_PORT and starts it again with
#                                                # its configuration; returns once it answers (a SUT restart)
#   scripts/janus-local.sh stop    [HTTP_PORT]
#
# Installs the package when it is missing and the machine allows it (root or sudo).
set -euo pipefail

action="${1:-start}"
http_port="${2:-8088}"
rtp_range="${3:-20000-20999}"
state_dir="${AVCM_JANUS_DIR:-${TMPDIR:-/tmp}/avcm-janus-$http_port}"

# Stops the Janus whose pid file is in the state folder: SIGTERM, SIGKILL after 5 s.
stop_janus() {
  kill "$(cat "$state_dir/janus.pid")" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$(cat "$state_dir/janus.pid")" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$(cat "$state_dir/janus.pid")" 2>/dev/null || true
}

# Starts Janus on the configuration in the state folder and waits until its HTTP API answers.
launch_janus() {
  janus --configs-folder="$state_dir/conf" --config="$state_dir/conf/janus.jcfg" --interface=127.0.0.1 \
    --log-file="$state_dir/janus.log" --disable-colors >/dev/null 2>&1 &
  echo $! > "$state_dir/janus.pid"
  for _ in $(seq 100); do
    if curl -fsS "http://127.0.0.1:$http_port/janus/info" >/dev/null 2>&1; then
      echo "janus ready: http://127.0.0.1:$http_port/janus (pid $(cat "$state_dir/janus.pid"), log $state_dir/janus.log)"
      return 0
    fi
    if ! kill -0 "$(cat "$state_dir/janus.pid")" 2>/dev/null; then
      echo "janus exited during startup; its log:" >&2; tail -30 "$state_dir/janus.log" >&2 || true; exit 3
    fi
    sleep 0.1
  done
  echo "janus did not answer /janus/info within 10 s; its log:" >&2
  tail -30 "$state_dir/janus.log" >&2 || true
  exit 3
}

case "$action" in
  stop)
    if [ -f "$state_dir/janus.pid" ]; then
      stop_janus
      rm -rf "$state_dir"
    fi
    exit 0
    ;;
  restart)
    if [ ! -f "$state_dir/janus.pid" ] || [ ! -f "$state_dir/conf/janus.jcfg" ]; then
      echo "no Janus started by this script on port $http_port (no $state_dir/janus.pid): start it first" >&2; exit 3
    fi
    stop_janus
    echo "janus stopped (pid $(cat "$state_dir/janus.pid"))"
    launch_janus
    exit 0
    ;;
  start) ;;
  *) echo "usage: $0 start|restart|stop [HTTP_PORT] [RTP_PORT_RANGE]" >&2; exit 2 ;;
esac

if ! command -v janus >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "janus is not installed and this user cannot install it (apt-get install janus)" >&2; exit 3; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends janus >/dev/null
fi

lib_dir="$(dirname "$(find /usr/lib -path '*janus/plugins/libjanus_videoroom.so' -print -quit)")/.."
mkdir -p "$state_dir/conf"
cat > "$state_dir/conf/janus.jcfg" <<CFG
general: {
  configs_folder = "$state_dir/conf"
  plugins_folder = "$lib_dir/plugins"
  transports_folder = "$lib_dir/transports"
  events_folder = "$lib_dir/events"
  loggers_folder = "$lib_dir/loggers"
  debug_level = 4
  session_timeout = 120
}
plugins: {
  disable = "libjanus_audiobridge.so,libjanus_echotest.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_nosip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so,libjanus_duktape.so,libjanus_lua.so"
}
transports: {
  disable = "libjanus_websockets.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_rabbitmq.so"
}
events: {
  broadcast = false
  disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
media: {
  rtp_port_range = "$rtp_range"
  ipv6 = false
}
nat: {
  ignore_mdns = true
}
CFG
cat > "$state_dir/conf/janus.transport.http.jcfg" <<CFG
general: {
  json = "indented"
  base_path = "/janus"
  http = true
  port = $http_port
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
CFG
cat > "$state_dir/conf/janus.plugin.videoroom.jcfg" <<CFG
general: {
}
CFG

launch_janus
