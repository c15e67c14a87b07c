#!/usr/bin/env bash
# What the pictures and the web page need from Debian, only what is missing: rsvg-convert
# (tests/svg renders every SVG), emscripten (web/build.sh), Chromium with its WebDriver and
# Selenium (tests/web). Called by scripts/setup.sh --all.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=(librsvg2-bin emscripten chromium chromium-driver python3-selenium bc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-web: installing ${missing[*]} (and what they depend on; minutes on a fresh machine)"
$sudo apt-get update -qq || echo "setup-web: apt-get update reported errors; trying the install anyway" >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
