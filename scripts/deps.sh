#!/usr/bin/env bash
# Installs the system packages minwon's build and tests use, only when
# missing, so a second run is quiet and quick. Debian; needs root or sudo.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# espeak-ng and sox synthesize the voice prompts at build time; sip-tester
# (sipp) is the SIP peer of the voice tests; baresip-core is the real phone
# of sip/baresip_test.go (the "baresip" package only adds GUI and video
# modules on top of it).
for p in postgresql-15 chromium fonts-nanum espeak-ng sox sip-tester baresip-core; do
  have_pkg "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "deps: missing packages ${need[*]} and not root; install them with apt-get" >&2; exit 1
  fi
fi
echo "deps: installing ${need[*]} (once)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts a cluster on 5432; tests start their own on a
# loopback port instead, so the packaged one is left alone.
