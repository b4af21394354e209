#!/usr/bin/env bash
# The HTTP API's figures of docs/BENCHMARKS.md ("HTTP API (issue 5)"), in one run so that the
# figures share the machine's state:
#   1. single-event appends, keep-alive, 8 connections (wrk), beside the engine in-process (8 threads)
#   2. reads of a 100-event stream, the same way
#   3. SSE: events/s delivered to 100 concurrent subscribers while appending
# Usage: bench/http/run_wrk.sh [BUILD_DIR (default build)] [SECONDS (default 10)]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
mnemos="$build/mnemos"
bench="$build/bench/http-bench"
here=$(cd "$(dirname "$0")" && pwd)
for f in "$mnemos" "$bench"; do [ -x "$f" ] || { echo "missing $f: build first (cmake --build $build)"; exit 1; }; done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

scratch=$(mktemp -d /tmp/mnemos-wrk-XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT

"$mnemos" --db "$scratch/db" serve --grpc 127.0.0.1:0 --http 127.0.0.1:0 > "$scratch/ready" 2> "$scratch/server.log" &
server=$!
for _ in $(seq 200); do grep -q '"http"' "$scratch/ready" 2>/dev/null && break; sleep 0.05; done
http=$(sed -n 's/.*"http":"\([^"]*\)".*/\1/p' "$scratch/ready")
[ -n "$http" ] || { cat "$scratch/server.log"; echo "the server did not start"; exit 1; }

# wrk's "Requests/sec" and the 99% line of --latency, as "rps p99_ms".
wrk_figures() {
  awk '/Requests\/sec/ {rps=$2}
       /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; p99=v}
       END {printf "%.0f %.3f\n", rps, p99}'
}

echo "== HTTP (wrk -t2 -c8 -d${seconds}s, keep-alive) on $http"
read -r append_rps append_p99 < <(wrk -t2 -c8 -d"${seconds}s" --latency -s "$here/append.lua" "http://$http" | tee "$scratch/wrk-append.txt" | wrk_figures)
body=$(python3 -c 'import json;print(json.dumps([{"type":"BenchEvent","data":{"sku":"A1","qty":1}}]*100))')
curl -sf -X POST -H 'Expected-Revision: no_stream' --data "$body" "http://$http/streams/read-100" > /dev/null
read -r read_rps read_p99 < <(wrk -t2 -c8 -d"${seconds}s" --latency "http://$http/streams/read-100?limit=100" | tee "$scratch/wrk-read.txt" | wrk_figures)
grep -E "Requests/sec|99%|Non-2xx" "$scratch/wrk-append.txt" "$scratch/wrk-read.txt" || true
kill "$server"; wait "$server" 2>/dev/null || true; server=""

echo "== engine in-process (8 threads)"
"$bench" engine --dir "$scratch/engine" --seconds "$seconds" --threads 8 | tee "$scratch/engine.json"

echo "== SSE: 100 subscribers on /all while appending"
"$bench" sse --dir "$scratch/sse" --seconds "$seconds" --subscribers 100 | tee "$scratch/sse.json" ||
  echo "(some events were not delivered to every subscriber within 30 s)"

echo
python3 - "$scratch/engine.json" "$append_rps" "$append_p99" "$read_rps" "$read_p99" <<'PY'
import json, sys
engine = {o["op"]: o for o in map(json.loads, open(sys.argv[1]))}
http = {"append1": (float(sys.argv[2]), float(sys.argv[3])), "read100": (float(sys.argv[4]), float(sys.argv[5]))}
print("| operation | HTTP req/s | HTTP p99 | engine ops/s | engine p99 | HTTP / engine |")
print("|---|---:|---:|---:|---:|---:|")
for op, name in (("append1", "single-event append"), ("read100", "read a 100-event stream")):
    rps, p99 = http[op]
    e = engine[op]
    print(f"| {name} | {rps:.0f} | {p99:.2f} ms | {e['rps']:.0f} | {e['p99_ms']:.2f} ms | {rps / e['rps']:.2f} |")
PY
