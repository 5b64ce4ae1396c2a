#!/bin/sh
# avcm's SRTP (OpenSSL) against Debian's libsrtp2 (NSS) on the same packets in one process:
# CPU per protect/unprotect. Needs: apt-get install libsrtp2-dev libssl-dev gcc.
set -eu
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -std=gnu11 -D_GNU_SOURCE -o "$out/compare" "$here/srtp-libsrtp-compare.c" "$here/../native/srtp-session.c" -lsrtp2 -lcrypto -ldl
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/compare"
