#!/usr/bin/env bash
# What the tests need beyond Node: npm packages (exactly as locked) and Debian's SIP peers and speech synthesiser.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
