#!/usr/bin/env bash
# Two `mnemos serve --backend nats://...` nodes on a real 3-node JetStream cluster, as
# `scripts/cluster start` runs them, and the CLI with `--db nats://...`: a write on one node is
# read on the other at the same position, a conflict is decided once for all, and stop ends
# every process. The two examples run on the same cluster, and a second run continues from the
# first. Usage: run_serve_nodes.sh MNEMOS_BIN SCRATCH_DIR BLOG_BIN SHOPPING_CART_BIN
set -euo pipefail
bin=$1
scratch=$2
blog=$3
cart=$4
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="$repo/scripts/cluster"
rm -rf "$scratch"
mkdir -p "$scratch"
dir="$scratch/cluster"

fail() { echo "FAIL: $*" >&2; for f in "$dir"/mnemos*.log; do echo "== $f" >&2; tail -n 20 "$f" >&2; done; exit 1; }
stop() { MNEMOS_BIN="$bin" "$cluster" stop --dir "$dir" --port "$nats" >/dev/null 2>&1 || true; }
trap stop EXIT

started=""
for _ in 1 2 3; do
  nats=$((20000 + RANDOM % 20000))
  serve_port=$((10000 + RANDOM % 9000))
  if started="$(MNEMOS_BIN="$bin" "$cluster" start --dir "$dir" --port "$nats" --serve-port "$serve_port" --sync default)"; then
    break
  fi
  started=""
done
[ -n "$started" ] || fail "the cluster did not start"
urls="$(echo "$started" | sed -n 1p)"
http1="$(echo "$started" | sed -n 's/^mnemos-1 .*http=\([^ ]*\).*/\1/p')"
http2="$(echo "$started" | sed -n 's/^mnemos-2 .*http=\([^ ]*\).*/\1/p')"
[ -n "$http1" ] && [ -n "$http2" ] || fail "no Mnemos node addresses in: $started"

# A write through node 1 ...
ack="$(curl -sf -X POST -H 'Expected-Revision: no_stream' -d '[{"type":"ItemAdded","data":{"sku":"A"}}]' "http://$http1/streams/cart-1")" \
  || fail "append on node 1"
position="$(echo "$ack" | sed -n 's/.*"position":\([0-9]*\).*/\1/p')"
[ -n "$position" ] || fail "no position in $ack"
# ... is read on node 2, at the same position, once its copy has applied it (bounded wait).
seen=""
for _ in $(seq 1 100); do
  seen="$(curl -s "http://$http2/streams/cart-1" || true)"
  echo "$seen" | grep -q '"revision":0' && break
  sleep 0.1
done
echo "$seen" | grep -q "\"position\":$position" || fail "node 2 does not hold the event at $position: $seen"

# The CLI on the same store (its own local copy): the next revision, then a stale expected
# revision refused with exit code 3 on every node.
cli() { "$bin" --db "nats://${urls}?local=$scratch/cli-copy" "$@"; }
cli append --stream cart-1 --type ItemRemoved --data '{"sku":"A"}' --expected 0 >"$scratch/cli-ack" || fail "CLI append"
grep -q '"first_revision":1' "$scratch/cli-ack" || fail "CLI ack: $(cat "$scratch/cli-ack")"
set +e
cli append --stream cart-1 --type ItemRemoved --expected 0 2>"$scratch/cli-err"
code=$?
set -e
[ "$code" -eq 3 ] || fail "a stale expected revision gave exit code $code: $(cat "$scratch/cli-err")"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Expected-Revision: 0' -d '[{"type":"X"}]' "http://$http2/streams/cart-1")
[ "$status" = "409" ] || fail "node 2 took a stale expected revision (HTTP $status)"

# All three copies agree on the stream, field by field.
for _ in $(seq 1 100); do
  curl -s "http://$http2/streams/cart-1" | grep -q '"revision":1' && break
  sleep 0.1
done
one="$(curl -s "http://$http1/streams/cart-1")"
two="$(curl -s "http://$http2/streams/cart-1")"
three="$(cli read --stream cart-1 | tr -d '\n')"
[ "$one" = "$two" ] || fail "node 1 and node 2 differ: $one / $two"
echo "$one" | grep -q '"revision":1' || fail "node 1 lacks revision 1: $one"
for id in $(echo "$one" | grep -o '"id":"[^"]*"'); do
  echo "$three" | grep -q "$id" || fail "the CLI's copy lacks $id"
done

# The examples, unchanged but for --backend: the blog's projection continues on a second run
# (its query database in --db) without duplicate rows; the cart's history is on the cluster.
"$blog" --db "$scratch/blog" --backend "nats://${urls}?stream=BLOG" >"$scratch/blog1" || fail "blog run 1"
grep -q "query database: 1 post(s)" "$scratch/blog1" || fail "blog run 1: $(tail -n 5 "$scratch/blog1")"
"$blog" --db "$scratch/blog" --backend "nats://${urls}?stream=BLOG" >"$scratch/blog2" || fail "blog run 2"
grep -q "query database: 2 post(s)" "$scratch/blog2" || fail "blog run 2: $(tail -n 5 "$scratch/blog2")"
"$cart" --db "$scratch/cart" --backend "nats://${urls}?stream=CART" >"$scratch/cart1" || fail "shopping cart"
"$cart" --db "$scratch/cart-elsewhere" --backend "nats://${urls}?stream=CART" history 1 >"$scratch/cart-history" \
  || fail "shopping cart history from another local copy"
grep -q "cart.item-added" "$scratch/cart-history" || fail "the cart's events are not on the cluster: $(cat "$scratch/cart-history")"

# stop ends every process.
pids="$(cat "$dir"/n*.pid "$dir"/mnemos*.pid)"
MNEMOS_BIN="$bin" "$cluster" stop --dir "$dir" --port "$nats" 2>/dev/null
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then fail "process $p still runs after stop"; fi
done
grep -q "mnemos serve: stopped" "$dir/mnemos1.log" || fail "node 1 did not stop cleanly"
echo "ok: two Mnemos nodes and the CLI on one JetStream store"
