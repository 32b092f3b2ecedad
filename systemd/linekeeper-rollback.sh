#!/bin/sh
# Linekeeper rollback, outside every release: run as root by linekeeper-rollback.service when linekeeper.service
# fails (OnFailure=), so it still works when a new release cannot even start and never runs its own health check.
# Installed by scripts/setup.sh as /opt/linekeeper/libexec/linekeeper-rollback (root-owned: the service user can
# neither change it nor the directory it is in).
#
#   DATA_DIR/update.switched (from=, to=: written by the daemon right before an app update switches `current`;
#   removed once the new release passed its health check) and INSTALL_DIR/current -> releases/<to>,
#   and the failed run was not a requested restart (exit 75)
#     -> current -> releases/<from> (a new symlink renamed over it), DATA_DIR/update.rolled-back says when and
#        why (the previous release reports the job FAILED with it), update.switched removed, service restarted
#   nothing to roll back, and systemd gave up restarting the service (start-limit-hit) -> started again: the start
#     limit only paces a crash loop, the line must keep answering. Other failures are restarted by Restart=, except
#     exit 78, a configuration error that starting again would only repeat.
#
# systemd 252 (bookworm) starts this only at the start limit; later versions also between automatic restarts
# (systemd/systemd#33710), so there an unproven release is rolled back at its first failure.
#
# Usage: linekeeper-rollback [INSTALL_DIR [DATA_DIR]]   (default /opt/linekeeper /var/lib/linekeeper)
# systemd passes MONITOR_SERVICE_RESULT, MONITOR_EXIT_CODE and MONITOR_EXIT_STATUS of the failed service;
# SYSTEMCTL names the systemctl to call (default: systemctl from PATH).
set -eu

install_dir=${1:-/opt/linekeeper}
data_dir=${2:-/var/lib/linekeeper}
systemctl=${SYSTEMCTL:-systemctl}
unit=linekeeper.service
switched=$data_dir/update.switched
record=$data_dir/update.rolled-back
result=${MONITOR_SERVICE_RESULT:-unknown}
exit_code=${MONITOR_EXIT_CODE:-unknown}
exit_status=${MONITOR_EXIT_STATUS:-}

say() { printf 'linekeeper-rollback: %s\n' "$*"; }

# The release named on the line KEY= of update.switched; empty unless a plain release directory name (the file is
# written by the service user, this runs as root).
release() {
  value=$(sed -n "s/^$1=//p" "$switched" | head -n 1)
  case $value in
    '' | . | .. | *[!A-Za-z0-9._-]*) value='' ;;
  esac
  printf '%s' "$value"
}

# Points current at releases/$1 atomically, owned as before (the daemon switches it again on the next update, and
# in the sticky install directory only the owner may replace it).
switch_to() {
  link=$install_dir/.current.rollback.$$
  ln -sT "releases/$1" "$link"
  chown -h "$(stat -c %u:%g "$install_dir/current")" "$link"
  mv -T "$link" "$install_dir/current"
  sync "$install_dir"
}

rolled_back=no
if [ "$exit_code" = exited ] && [ "$exit_status" = 75 ]; then
  # The daemon asked for this restart (an update switches releases right before it): the new release has not run.
  say "the last run ended with a requested restart (exit 75): nothing to roll back"
elif [ -f "$switched" ]; then
  from=$(release from)
  to=$(release to)
  current=$(readlink "$install_dir/current" || true)
  if [ -z "$from" ] || [ -z "$to" ]; then
    say "$switched names no valid from= and to= releases: not rolling back"
  elif [ "$current" != "releases/$to" ]; then
    say "current points at $current, not at the update's releases/$to: nothing to roll back"
  elif [ ! -d "$install_dir/releases/$from" ]; then
    say "cannot roll back: $install_dir/releases/$from is missing; $to stays"
  else
    switch_to "$from"
    # The record only after the switch: it must never claim a rollback that did not happen.
    tmp=$(mktemp "$data_dir/.update.rolled-back.XXXXXX")
    printf 'from=%s\nto=%s\nat=%s\nresult=%s\nexit=%s\n' "$from" "$to" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      "$result" "$exit_code${exit_status:+ $exit_status}" >"$tmp"
    chmod 0644 "$tmp"
    sync "$tmp"
    mv -fT "$tmp" "$record"
    rm -f "$switched"
    sync "$data_dir"
    rolled_back=yes
    say "release $to failed ($result, last run $exit_code${exit_status:+ $exit_status}): rolled back to $from"
  fi
fi

if [ "$rolled_back" = yes ]; then
  "$systemctl" reset-failed "$unit" || true
  "$systemctl" restart --no-block "$unit"
elif [ "$result" = start-limit-hit ]; then
  say "systemd gave up restarting $unit: starting it again"
  "$systemctl" reset-failed "$unit" || true
  "$systemctl" start --no-block "$unit"
elif [ "$exit_code" = exited ] && [ "$exit_status" = 78 ]; then
  say "the daemon stopped with exit 78 (configuration error): fix /etc/linekeeper, then systemctl restart $unit"
fi
