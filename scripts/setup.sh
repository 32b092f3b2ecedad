#!/usr/bin/env bash
# Linekeeper setup.
#   scripts/setup.sh --dev   development machine or CI: system packages for development and tests, npm ci, build.
# Idempotent: running it again installs only what is missing. Run as root on Debian bookworm or Raspberry Pi OS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# System packages the development tools and the test suite use (tests start their own servers on loopback).
DEV_PACKAGES=(
  ca-certificates git python3 make g++          # native addons (serialport, epoll) build with node-gyp
  mosquitto mosquitto-clients                   # real MQTT 5 broker for sync and fleet tests
  postgresql                                    # cloud ingest store
  pocketsphinx pocketsphinx-en-us               # English speech recognition
  espeak-ng sox                                 # Mandarin synthesis; audio conversion in tests
  python3-onnx                                  # tests generate a tiny ONNX model for the real sherpa-onnx path
  socat                                         # pseudo-terminal pairs for the virtual modem by hand
  chromium                                      # headless browser for report tests
  openssl                                       # test certificates
)

usage() {
  cat <<USAGE
Usage: scripts/setup.sh --dev
  --dev   install what development and the tests need (apt packages, npm packages), then build
USAGE
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root to install system packages: sudo scripts/setup.sh $*"
}

check_node() {
  command -v node >/dev/null 2>&1 || die "Node.js is missing: install Node.js 20 or newer, then run this again"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $(node -v) is too old: Linekeeper needs Node.js 20 or newer"
  command -v npm >/dev/null 2>&1 || die "npm is missing: install npm (it comes with Node.js), then run this again"
}

install_packages() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian bookworm and Raspberry Pi OS; install by hand: ${*}"
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "system packages already installed"
    return
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get could not install: ${missing[*]}"
  # Package installs may start system-wide daemons; the tests start their own on free loopback ports.
  for service in mosquitto postgresql; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
}

# npm runs as the user who owns the checkout, so sudo does not leave root-owned files in it.
as_owner() {
  local owner
  owner="$(stat -c %U "$here")"
  if [ "$owner" != "$(id -un)" ] && command -v runuser >/dev/null 2>&1; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

dev_setup() {
  need_root --dev
  check_node
  install_packages "${DEV_PACKAGES[@]}"
  say "installing npm packages (npm ci)"
  (cd "$here" && as_owner npm ci --no-audit --no-fund) || die "npm ci failed (see above)"
  say "building (npm run build)"
  (cd "$here" && as_owner npm run build --silent) || die "the build failed (see above)"
  say "done: 'npm start' runs a simulated shop line, 'npm test' runs the test suite"
}

case "${1:-}" in
  --dev) dev_setup ;;
  -h|--help) usage ;;
  *) usage >&2; exit 64 ;;
esac
