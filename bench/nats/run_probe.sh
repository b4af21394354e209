#!/usr/bin/env bash
# Runs nats-probe's matrix on a fresh 3-node cluster (scripts/cluster), once per sync mode.
#   bench/nats/run_probe.sh BUILD_DIR [SECONDS] [MODES...]     (modes: always default)
# One JSON line per run on stdout. A mode that this nats-server cannot honour (sync_interval
# needs 2.10) is reported on stderr and skipped.
set -euo pipefail
build="${1:?usage: run_probe.sh BUILD_DIR [SECONDS] [MODES...]}"
seconds="${2:-5}"
shift $(( $# >= 2 ? 2 : 1 ))
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(always default)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
probe="$build/bench/nats/nats-probe"
dir="$build/nats-probe-cluster"
port="${MNEMOS_NATS_PORT:-14222}"
trap '"$repo/scripts/cluster" stop --dir "$dir" --port "$port" >/dev/null 2>&1 || true' EXIT

for mode in "${modes[@]}"; do
  rm -rf "$dir"
  urls="$("$repo/scripts/cluster" start --dir "$dir" --port "$port" --sync "$mode" --no-serve)"
  actual="$(cat "$dir/sync-mode")"
  if [ "$mode" = "always" ] && [ "$actual" != "always" ]; then
    echo "run_probe: sync_interval: always is not supported by $(nats-server --version); skipped" >&2
    "$repo/scripts/cluster" stop --dir "$dir" --port "$port" >/dev/null 2>&1
    continue
  fi
  run() { "$probe" --urls "$urls" --seconds "$seconds" --label "sync=$mode" "$@"; }
  run --mode sync --writers 1
  run --mode sync --writers 8
  run --mode sync --writers 64
  run --mode sync --writers 1 --events 100
  run --mode sync --writers 8 --events 100
  run --mode async --in-flight 256
  run --mode async --in-flight 4096
  run --mode async --in-flight 256 --events 100
  "$repo/scripts/cluster" stop --dir "$dir" --port "$port" >/dev/null 2>&1
done
