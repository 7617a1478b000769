#!/usr/bin/env bash
# What the tests need beyond Node: npm packages (exactly as locked) and, from Debian, the SIP peers (sipp, sipsak),
# the speech synthesiser (espeak-ng), an MP3 encoder (lame) that makes real MP3s for the <Play> tests, and curl
# (the README's quick start is run as written).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v sipsak >/dev/null 2>&1 || need+=(sipsak)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v lame >/dev/null 2>&1 || need+=(lame)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
