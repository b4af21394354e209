# Sourced by the test scripts that drive a real `mnemos serve` from Node (tests/interop,
# tests/web): the npm install of their pinned packages, and a server on free loopback ports.

# npm_ci_pinned SRC_DIR WORK_DIR: the packages of SRC_DIR/package-lock.json in WORK_DIR,
# installed again only when the lock file changes.
npm_ci_pinned() {
  local src=$1 work=$2
  mkdir -p "$work"
  if [ ! -d "$work/node_modules" ] || ! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
    cp "$src/package.json" "$src/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# serve_fresh BIN SCRATCH KEY [SERVE_ARGS...]: starts `BIN --db SCRATCH/db serve` on free ports,
# waits for its ready line, and sets `server` (the pid) and `port` (the port under KEY, "grpc"
# or "http"). The log goes to SCRATCH/server.log. Returns 1, with the log, when it cannot start.
serve_fresh() {
  local bin=$1 scratch=$2 key=$3
  shift 3
  "$bin" --db "$scratch/db" serve --grpc 127.0.0.1:0 --http 127.0.0.1:0 "$@" > "$scratch/ready" 2> "$scratch/server.log" &
  server=$!
  for _ in $(seq 1 200); do
    grep -q "\"$key\"" "$scratch/ready" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$scratch/server.log"; echo "the server did not start"; return 1; }
    sleep 0.05
  done
  port=$(sed -n "s/.*\"$key\":\"127\\.0\\.0\\.1:\\([0-9]*\\)\".*/\\1/p" "$scratch/ready")
  if [ -z "$port" ]; then
    cat "$scratch/server.log"; echo "no $key port from the server"; kill -KILL "$server"; return 1
  fi
}
