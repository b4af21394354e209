#!/usr/bin/env bash
# Starts `mnemos serve` with a fresh data directory on free loopback ports, drives its web UI
# in Debian's headless Chromium (browser.mjs, Playwright), saves screenshots of each page to
# SCREENSHOT_DIR, then stops the server with SIGTERM and checks that it stopped cleanly.
#   run_browser.sh MNEMOS_BIN WORK_DIR SCREENSHOT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
work=$2
shots=$3

mkdir -p "$shots"
# shellcheck source=../support/serve.sh
. "$here/../support/serve.sh"
# playwright-core from npm, at the version of package-lock.json.
npm_ci_pinned "$here" "$work"
cp "$here/browser.mjs" "$work/"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mnemos-web-XXXXXX")
server=""
stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap stop_server EXIT

serve_fresh "$bin" "$scratch" http || exit 1
echo "=== mnemos serve, web UI on http://127.0.0.1:$port/"

rc=0
(cd "$work" && node browser.mjs "http://127.0.0.1:$port" "$shots") || rc=1

kill -TERM "$server"
if ! wait "$server"; then echo "the server did not exit cleanly on SIGTERM"; rc=1; fi
server=""
grep -q "stopped" "$scratch/server.log" || { echo "no clean stop in the server log"; rc=1; }
if [ $rc -ne 0 ]; then echo "--- server log"; cat "$scratch/server.log"; fi
echo "screenshots in $shots"
exit $rc
