#!/usr/bin/env bash
# Starts `mnemos serve` on a free loopback port with a fresh data directory and drives it with
# both official Node clients at once (interop.mjs), then stops it with SIGTERM and checks that
# it stopped cleanly.
#   run_interop.sh MNEMOS_BIN WORK_DIR [IDLE_SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
work=$2
idle=${3:-0}

# shellcheck source=../support/serve.sh
. "$here/../support/serve.sh"
# The clients, from npm, at the versions of package-lock.json.
npm_ci_pinned "$here" "$work"
cp "$here/interop.mjs" "$work/"

# One server per mode: BatchAppend listed in ServerFeatures (the clients then append through it),
# and not listed (they use Append). The idle-subscription case runs in the first mode only.
run_mode() {
  local mode=$1 idle_seconds=$2
  shift 2
  local scratch server port rc=0
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/mnemos-interop-XXXXXX")
  serve_fresh "$bin" "$scratch" grpc "$@" || return 1
  echo "=== $mode: mnemos serve on 127.0.0.1:$port"
  (cd "$work" && node interop.mjs esdb "$port" "$idle_seconds") > "$scratch/esdb.txt" 2>&1 &
  local esdb=$!
  (cd "$work" && node interop.mjs kurrent "$port" "$idle_seconds") > "$scratch/kurrent.txt" 2>&1 &
  local kurrent=$!
  wait "$esdb" || rc=1
  wait "$kurrent" || rc=1
  cat "$scratch/esdb.txt" "$scratch/kurrent.txt"
  kill -TERM "$server"
  if ! wait "$server"; then echo "the server did not exit cleanly on SIGTERM"; rc=1; fi
  grep -q "stopped" "$scratch/server.log" || { echo "no clean stop in the server log"; rc=1; }
  echo "--- server log"; cat "$scratch/server.log"
  rm -rf "$scratch"
  return $rc
}

rc=0
run_mode "BatchAppend listed" "$idle" || rc=1
run_mode "BatchAppend not listed" 0 --no-batch-append || rc=1
exit $rc
