// Interop suite: one official Node client against a running `mnemos serve`.
//   node interop.mjs kurrent|esdb PORT [IDLE_SECONDS]
// Checks values, order and error classes, not only that calls do not throw. Exits non-zero on
// the first failed case (after running the rest) and always ends the process itself: the
// kurrentdb client's native addon would keep it alive.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const [flavour, port, idleArg] = process.argv.slice(2);
const idleSeconds = Number(idleArg ?? 0);
const kurrent = flavour === "kurrent";
const lib = kurrent ? await import("@kurrent/kurrentdb-client") : await import("@eventstore/db-client");
const Client = kurrent ? lib.KurrentDBClient : lib.EventStoreDBClient;
const scheme = kurrent ? "kurrentdb" : "esdb";
const client = Client.connectionString(`${scheme}://127.0.0.1:${port}?tls=false`);
const { jsonEvent, binaryEvent, FORWARDS, BACKWARDS, START, END, ANY, NO_STREAM, STREAM_EXISTS } = lib;

// The expected-state option of appends is named differently in the two clients.
const expecting = (state) => (kurrent ? { streamState: state } : { expectedRevision: state });
const wevExpected = (e) => (kurrent ? e.expectedState : e.expectedVersion);
const wevActual = (e) => (kurrent ? e.actualState : e.actualVersion);
const run = randomUUID().slice(0, 8);
let attempt = 0; // a retried case works on streams of its own
const name = (s) => `${s}-${flavour}-${run}${attempt ? `-retry${attempt}` : ""}`;
const events = (n, type = "Tested") => Array.from({ length: n }, (_, i) => jsonEvent({ type, data: { i } }));

async function collect(iterable) {
  const out = [];
  for await (const e of iterable) out.push(e.event);
  return out;
}

async function rejects(promise, errorClass, check = () => {}) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof errorClass, `expected ${errorClass.name}, got ${e?.constructor?.name}: ${e?.message}`);
    check(e);
    return;
  }
  assert.fail(`expected ${errorClass.name}, but it succeeded`);
}

// Reads a subscription's messages into a log until `until(log)` holds or the time is up.
function record(subscription) {
  const log = [];
  subscription.on("confirmation", () => log.push({ kind: "confirmation" }));
  subscription.on("caughtUp", (info) => log.push({ kind: "caughtUp", info }));
  subscription.on("data", (e) => log.push({ kind: "event", event: e.event }));
  subscription.on("error", (error) => log.push({ kind: "error", error }));
  return log;
}

async function waitFor(log, until, ms = 30000) {
  const deadline = Date.now() + ms;
  while (!until(log)) {
    if (Date.now() > deadline) assert.fail(`timed out; saw ${JSON.stringify(log.map((m) => m.kind))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const eventsIn = (log) => log.filter((m) => m.kind === "event").map((m) => m.event);
const count = (log, kind) => log.filter((m) => m.kind === kind).length;

const cases = [];
const test = (title, fn) => cases.push({ title, fn });

test("append any to a new stream gives the next revision and the position of the last event", async () => {
  const s = name("append-any");
  const r = await client.appendToStream(s, events(4), expecting(ANY));
  assert.equal(r.success, true);
  assert.equal(r.nextExpectedRevision, 3n);
  assert.ok(r.position.commit >= r.position.prepare && r.position.commit > 0n);
  const read = await collect(client.readStream(s));
  assert.equal(read.length, 4);
  assert.equal(read[3].position.commit, r.position.commit, "the last event's position is the append's");
});

test("append no_stream twice: the second is a WrongExpectedVersionError", async () => {
  const s = name("no-stream");
  await client.appendToStream(s, events(2), expecting(NO_STREAM));
  await rejects(client.appendToStream(s, events(1), expecting(NO_STREAM)), lib.WrongExpectedVersionError, (e) => {
    assert.equal(wevExpected(e), NO_STREAM);
    assert.equal(wevActual(e), 1n);
  });
});

test("append stream_exists: refused on a missing stream, accepted once it exists", async () => {
  const s = name("exists");
  await rejects(client.appendToStream(s, events(1), expecting(STREAM_EXISTS)), lib.WrongExpectedVersionError, (e) =>
    assert.equal(wevActual(e), NO_STREAM),
  );
  await client.appendToStream(s, events(1), expecting(NO_STREAM));
  const r = await client.appendToStream(s, events(1), expecting(STREAM_EXISTS));
  assert.equal(r.nextExpectedRevision, 1n);
});

test("append with an exact revision; a stale one is refused with both revisions", async () => {
  const s = name("exact");
  await client.appendToStream(s, events(3));
  const r = await client.appendToStream(s, events(2), expecting(2n));
  assert.equal(r.nextExpectedRevision, 4n);
  await rejects(client.appendToStream(s, events(1), expecting(2n)), lib.WrongExpectedVersionError, (e) => {
    assert.equal(wevExpected(e), 2n);
    assert.equal(wevActual(e), 4n);
  });
});

test("an append re-sent with the same event ids is acknowledged again and written once", async () => {
  const s = name("idempotent");
  const batch = [jsonEvent({ id: randomUUID(), type: "Once", data: { n: 1 } }), jsonEvent({ id: randomUUID(), type: "Once", data: { n: 2 } })];
  const first = await client.appendToStream(s, batch, expecting(NO_STREAM));
  const again = await client.appendToStream(s, batch, expecting(NO_STREAM));
  assert.equal(again.success, true);
  assert.equal(again.nextExpectedRevision, first.nextExpectedRevision);
  const read = await collect(client.readStream(s));
  assert.equal(read.length, 2);
});

test("readStream round-trips type, JSON data, metadata, binary data, ids and times", async () => {
  const s = name("roundtrip");
  const id = randomUUID();
  const before = Date.now();
  await client.appendToStream(s, [
    jsonEvent({ id, type: "Typed", data: { hello: "world", n: 1 }, metadata: { by: "test" } }),
    binaryEvent({ type: "Bytes", data: Buffer.from([0, 1, 2, 255]) }),
  ]);
  const [json, binary] = await collect(client.readStream(s));
  assert.equal(json.id, id);
  assert.equal(json.type, "Typed");
  assert.equal(json.revision, 0n);
  assert.equal(json.streamId, s);
  assert.equal(json.isJson, true);
  assert.deepEqual(json.data, { hello: "world", n: 1 });
  assert.deepEqual(json.metadata, { by: "test" });
  assert.ok(Math.abs(json.created.getTime() - before) < 60000, `created ${json.created} is about now`);
  assert.equal(binary.isJson, false);
  assert.deepEqual(Buffer.from(binary.data), Buffer.from([0, 1, 2, 255]));
  assert.ok(binary.position.commit > json.position.commit);
});

test("readStream from a revision, with maxCount, backwards, and past the end", async () => {
  const s = name("paging");
  await client.appendToStream(s, events(10));
  const from = await collect(client.readStream(s, { fromRevision: 4n, maxCount: 3 }));
  assert.deepEqual(from.map((e) => e.revision), [4n, 5n, 6n]);
  const back = await collect(client.readStream(s, { direction: BACKWARDS, fromRevision: END, maxCount: 4 }));
  assert.deepEqual(back.map((e) => e.revision), [9n, 8n, 7n, 6n]);
  const backFrom = await collect(client.readStream(s, { direction: BACKWARDS, fromRevision: 2n }));
  assert.deepEqual(backFrom.map((e) => e.revision), [2n, 1n, 0n]);
  const past = await collect(client.readStream(s, { fromRevision: 50n }));
  assert.equal(past.length, 0);
});

test("readStream of a missing stream is a StreamNotFoundError", async () => {
  await rejects(collect(client.readStream(name("missing"))), lib.StreamNotFoundError);
});

test("readAll: our events in order; from a position (inclusive) forwards, (exclusive) backwards", async () => {
  const s = name("all");
  const r = await client.appendToStream(s, events(5));
  // The other client writes at the same time: read back far enough to be sure of ours.
  const ours = (await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 100000 })))
    .filter((e) => e.streamId === s)
    .reverse();
  assert.deepEqual(ours.map((e) => e.revision), [0n, 1n, 2n, 3n, 4n]);
  assert.equal(ours[4].position.commit, r.position.commit);
  const forward = await collect(client.readAll({ fromPosition: ours[2].position, maxCount: 3 }));
  assert.deepEqual(forward.map((e) => e.revision), [2n, 3n, 4n]);
  const backward = await collect(client.readAll({ direction: BACKWARDS, fromPosition: ours[2].position, maxCount: 2 }));
  assert.deepEqual(backward.map((e) => e.revision), [1n, 0n]);
  const all = await collect(client.readAll({ fromPosition: START, maxCount: 100000 }));
  for (let i = 1; i < all.length; i++) assert.ok(all[i].position.commit > all[i - 1].position.commit);
});

if (kurrent) {
  test("readAll with a stream-prefix filter and an event-type regex filter", async () => {
    const prefix = name("filtered");
    await client.appendToStream(`${prefix}-a`, events(2, "Kept"));
    await client.appendToStream(name("other"), events(2, "Kept"));
    await client.appendToStream(`${prefix}-b`, events(1, "Dropped"));
    const byStream = await collect(
      client.readAll({ filter: lib.streamNameFilter({ prefixes: [prefix] }), maxCount: 100 }),
    );
    assert.deepEqual(byStream.map((e) => e.streamId), [`${prefix}-a`, `${prefix}-a`, `${prefix}-b`]);
    const byType = await collect(client.readAll({ filter: lib.eventTypeFilter({ regex: "^Dropp" }), maxCount: 100 }));
    assert.ok(byType.length >= 1 && byType.every((e) => e.type === "Dropped"));
  });
}

test("subscribeToStream: confirmation, catch-up, one caughtUp, then live; from a revision; from the end", async () => {
  const s = name("sub-stream");
  await client.appendToStream(s, events(4));
  const sub = client.subscribeToStream(s, { fromRevision: START });
  const log = record(sub);
  await waitFor(log, (l) => count(l, "caughtUp") === 1);
  await client.appendToStream(s, events(2));
  await waitFor(log, (l) => eventsIn(l).length === 6);
  assert.equal(log[0].kind, "confirmation");
  const kinds = log.map((m) => m.kind);
  assert.equal(kinds.indexOf("caughtUp"), 5, `caught up after the 4 catch-up events: ${kinds}`);
  assert.deepEqual(eventsIn(log).map((e) => e.revision), [0n, 1n, 2n, 3n, 4n, 5n]);
  if (kurrent) assert.equal(log[5].info.revision, 3n);
  await sub.unsubscribe();

  const fromTwo = client.subscribeToStream(s, { fromRevision: 2n });
  const log2 = record(fromTwo);
  await waitFor(log2, (l) => count(l, "caughtUp") === 1);
  assert.deepEqual(eventsIn(log2).map((e) => e.revision), [3n, 4n, 5n], "a subscription starts after the revision");
  await fromTwo.unsubscribe();

  const fromEnd = client.subscribeToStream(s, { fromRevision: END });
  const log3 = record(fromEnd);
  await waitFor(log3, (l) => count(l, "caughtUp") === 1);
  await client.appendToStream(s, events(1));
  await waitFor(log3, (l) => eventsIn(l).length === 1);
  assert.equal(eventsIn(log3)[0].revision, 6n);
  await fromEnd.unsubscribe();
});

test("subscribeToStream on a stream that does not exist yet receives later appends", async () => {
  const s = name("sub-later");
  const sub = client.subscribeToStream(s);
  const log = record(sub);
  await waitFor(log, (l) => count(l, "caughtUp") === 1);
  await client.appendToStream(s, events(2));
  await waitFor(log, (l) => eventsIn(l).length === 2);
  await sub.unsubscribe();
});

test("subscribeToAll from a position with a stream filter: only matching events, after the position, with checkpoints", async () => {
  const prefix = name("sub-all");
  const first = await client.appendToStream(`${prefix}-1`, events(1));
  await client.appendToStream(name("noise"), events(3));
  await client.appendToStream(`${prefix}-2`, events(2));
  const checkpoints = [];
  const sub = client.subscribeToAll({
    fromPosition: first.position,
    filter: lib.streamNameFilter({
      prefixes: [prefix],
      checkpointInterval: 1,
      checkpointReached: (_s, position) => checkpoints.push(position),
    }),
  });
  const log = record(sub);
  await waitFor(log, (l) => count(l, "caughtUp") === 1);
  await client.appendToStream(`${prefix}-3`, events(1));
  await waitFor(log, (l) => eventsIn(l).length === 3);
  assert.deepEqual(eventsIn(log).map((e) => e.streamId), [`${prefix}-2`, `${prefix}-2`, `${prefix}-3`]);
  assert.ok(checkpoints.length >= 1, "checkpoints reached");
  assert.equal(typeof checkpoints[0].commit, "bigint");
  assert.equal(count(log, "caughtUp"), 1);
  await sub.unsubscribe();
});

test("subscribeToAll from the start reaches our events; from the end sees only new ones", async () => {
  const s = name("sub-all-ends");
  await client.appendToStream(s, events(2));
  const fromStart = client.subscribeToAll({ fromPosition: START });
  const log = record(fromStart);
  await waitFor(log, (l) => eventsIn(l).filter((e) => e.streamId === s).length === 2);
  await fromStart.unsubscribe();
  const fromEnd = client.subscribeToAll({ fromPosition: END });
  const log2 = record(fromEnd);
  await waitFor(log2, (l) => count(l, "caughtUp") === 1);
  await client.appendToStream(s, events(1));
  await waitFor(log2, (l) => eventsIn(l).some((e) => e.streamId === s));
  assert.deepEqual(eventsIn(log2).filter((e) => e.streamId === s).map((e) => e.revision), [2n]);
  await fromEnd.unsubscribe();
});

test("stream metadata: unknown stream, set and get, $maxCount honoured, raw $$ read", async () => {
  const s = name("meta");
  const none = await client.getStreamMetadata(s);
  assert.equal(none.streamName, s);
  assert.equal(none.metadata, undefined);
  await client.appendToStream(s, events(5));
  await client.setStreamMetadata(s, { maxCount: 2, custom: "kept" });
  const got = await client.getStreamMetadata(s);
  assert.equal(got.metadata.maxCount, 2);
  assert.equal(got.metadata.custom, "kept");
  const visible = await collect(client.readStream(s));
  assert.deepEqual(visible.map((e) => e.revision), [3n, 4n]);
  const raw = await collect(client.readStream(`$$${s}`));
  assert.equal(raw[raw.length - 1].type, "$metadata");
});

test("deleteStream: wrong revision refused; then not found; a new append continues the revisions", async () => {
  const s = name("delete");
  await client.appendToStream(s, events(3));
  await rejects(client.deleteStream(s, { expectedRevision: 7n }), lib.WrongExpectedVersionError);
  await client.deleteStream(s, { expectedRevision: 2n });
  await rejects(collect(client.readStream(s)), lib.StreamNotFoundError);
  const r = await client.appendToStream(s, events(1));
  assert.equal(r.nextExpectedRevision, 3n);
  const visible = await collect(client.readStream(s));
  assert.deepEqual(visible.map((e) => e.revision), [3n]);
});

test("tombstoneStream: reads, appends, tombstones and subscriptions then fail with StreamDeletedError", async () => {
  const s = name("tomb");
  await client.appendToStream(s, events(2));
  await client.tombstoneStream(s);
  await rejects(collect(client.readStream(s)), lib.StreamDeletedError);
  await rejects(client.appendToStream(s, events(1)), lib.StreamDeletedError);
  await rejects(client.tombstoneStream(s), lib.StreamDeletedError);
  const sub = client.subscribeToStream(s);
  const log = record(sub);
  await waitFor(log, (l) => count(l, "error") === 1);
  assert.ok(log.find((m) => m.kind === "error").error instanceof lib.StreamDeletedError);
  await client.tombstoneStream(name("never"), { expectedRevision: NO_STREAM });
});

test("an append of no events answers with where the stream is, and writes nothing", async () => {
  const s = name("bad");
  // A zero-byte append of nothing still answers with where the stream is.
  const empty = await client.appendToStream(s, []);
  assert.equal(empty.success, true);
  await client.appendToStream(s, events(1));
  const read = await collect(client.readStream(s));
  assert.equal(read.length, 1);
});

if (idleSeconds > 0) {
  test(`an idle live subscription survives ${idleSeconds} s of keepalive pings, then gets an event`, async () => {
    const s = name("idle");
    const sub = client.subscribeToStream(s);
    const log = record(sub);
    await waitFor(log, (l) => count(l, "caughtUp") === 1);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    assert.equal(count(log, "error"), 0, "no error while idle");
    await client.appendToStream(s, events(1));
    await waitFor(log, (l) => eventsIn(l).length === 1);
    await sub.unsubscribe();
  });
}

// UnavailableError is the clients' "the connection failed, retry" (their own reconnection
// follows it). On a loaded machine a client's connection can drop with the server healthy, so a
// case that meets it is run once more, on fresh streams, and says so; a second one fails it.
// The clients also raise it for a server's INTERNAL (13) and DATA_LOSS (15): those fail at once.
// (An error of the kurrent client's native reads has no gRPC code.)
const droppedConnection = (e) => e instanceof lib.UnavailableError && (e.code === undefined || e.code === 14);
let failed = 0;
for (const { title, fn } of cases) {
  const started = Date.now();
  try {
    try {
      await fn();
    } catch (e) {
      if (!droppedConnection(e)) throw e;
      console.log(`RETRY ${flavour}: ${title}: the connection failed (code ${e.code})\n     ${e?.stack ?? e}`);
      attempt++;
      await fn();
    }
    console.log(`ok   ${flavour}: ${title} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${flavour}: ${title}\n     ${e?.stack ?? e}`);
  }
}
console.log(`${flavour}: ${cases.length - failed} of ${cases.length} passed`);
await client.dispose?.();
process.exit(failed === 0 ? 0 : 1);
