// The web UI of `mnemos serve` in headless Chromium: appends through the HTTP API and checks
// that the events show in the stream view and the live tail, moves the time slider, uses the
// append form, and saves a screenshot of each page.
//   node browser.mjs BASE_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node browser.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const WAIT_MS = 15000;
let checks = 0;

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
  checks++;
  console.log('ok ' + checks + ' - ' + what);
}

// Polls `probe` until it returns a truthy value (then returns it) or the deadline passes.
async function until(what, probe, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) {
        checks++;
        console.log('ok ' + checks + ' - ' + what);
        return last;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function apiAppend(stream, events, expected = 'any') {
  const response = await fetch(`${base}/streams/${encodeURIComponent(stream)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Expected-Revision': String(expected) },
    body: JSON.stringify(events),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`append to ${stream}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}
async function apiRead(stream) {
  const response = await fetch(`${base}/streams/${encodeURIComponent(stream)}?from=0&limit=100`);
  if (response.status !== 200) throw new Error(`read ${stream}: HTTP ${response.status}`);
  return (await response.json()).events;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const rowTypes = (page, selector) =>
  page.$$eval(`${selector} tr[data-testid="event-row"]`, (rows) => rows.map((r) => r.dataset.type));

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light' });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push('page error: ' + err.message));
    page.on('console', (message) => {
      // The expected refusals (a missing stream, a stale expected revision) log their status.
      if (message.type() === 'error' && !/status of (404|409)/.test(message.text())) {
        problems.push('console error: ' + message.text());
      }
    });
    const shot = async (name, target = page) => {
      await target.screenshot({ path: join(shots, name + '.png'), animations: 'disabled' });
      console.log('screenshot ' + name + '.png');
    };

    // The page itself comes from the binary; nothing is fetched from elsewhere.
    const foreign = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreign.push(request.url());
    });

    // --- dashboard, on an empty store
    await page.goto(base + '/');
    await until('the dashboard shows the head position from /stats',
                () => page.$eval('#stat-head', (el) => el.dataset.value !== undefined && el.dataset.value !== ''));
    check((await page.$eval('#server-status', (el) => el.dataset.state)) === 'ok', 'the header says the server is up');

    // --- three appends a second and a half apart, so the slider has moments between them
    const run = Date.now().toString(36);
    const cart = `web-cart-${run}`;
    const noise = async () => {  // some traffic for the dashboard's charts, and time passing
      for (let i = 0; i < 6; i++) {
        await apiAppend(`web-noise-${run}-${i % 3}`, [{ type: 'Ping', data: { i } }]);
        await sleep(250);
      }
    };
    const opened = await apiAppend(cart, [
      { type: 'CartOpened', data: { customer: 'ada', tags: ['new', 'web'] }, metadata: { source: 'browser-test' } },
    ], 'no_stream');
    check(opened.first_revision === 0 && opened.last_revision === 0, 'the API acknowledges revision 0');
    await noise();
    const added = await apiAppend(cart, [
      { type: 'ItemAdded', data: { sku: 'A1', qty: 2, price: { amount: 1250, currency: 'EUR' } } },
      { type: 'ItemAdded', data: { sku: 'B7', qty: 1, price: { amount: 499, currency: 'EUR' } } },
    ], 0);
    check(added.first_revision === 1 && added.last_revision === 2, 'the API acknowledges revisions 1-2');
    await noise();
    await apiAppend(cart, [
      { type: 'ItemRemoved', data: { sku: 'B7' } },
      { type: 'CheckedOut', data: { total: { amount: 2500, currency: 'EUR' } } },
    ], 2);
    const stored = await apiRead(cart);
    check(stored.length === 5, 'the stream holds 5 events');

    await until('the dashboard counts the appends', () =>
      page.$eval('#stat-totals', (el) => el.textContent.includes('Events appended')) &&
      page.$eval('#stat-head', (el) => Number(el.dataset.value) > 0));

    // --- streams: prefix search, then open the stream
    await page.click('[data-testid="nav-streams"]');
    await page.fill('#stream-prefix', 'web-');
    const listed = await until('the prefix search lists the cart and the three noise streams', async () => {
      const names = await page.$$eval('tr[data-testid="stream-row"]', (rows) => rows.map((r) => r.dataset.stream));
      return names.length === 4 && names.includes(cart) ? names : null;
    });
    check(listed.every((n) => n.startsWith('web-')), 'every listed stream starts with the prefix');
    await page.fill('#stream-prefix', 'web-cart-');
    await until('a narrower prefix lists the cart only', async () => {
      const names = await page.$$eval('tr[data-testid="stream-row"]', (rows) => rows.map((r) => r.dataset.stream));
      return names.length === 1 && names[0] === cart;
    });
    await shot('streams');
    await page.click(`tr[data-stream="${cart}"]`);
    await until('the stream view opens', async () => (await page.textContent('#stream-name')) === cart);

    // --- the stream view: all five events, newest first
    const types = await until('the stream view shows the five events', async () => {
      const t = await rowTypes(page, '#events-table');
      return t.length === 5 ? t : null;
    });
    check(JSON.stringify(types) === JSON.stringify(['CheckedOut', 'ItemRemoved', 'ItemAdded', 'ItemAdded', 'CartOpened']),
          'newest first: ' + types.join(', '));
    const revisions = await page.$$eval('#events-table tr[data-testid="event-row"]', (rows) => rows.map((r) => Number(r.dataset.revision)));
    check(JSON.stringify(revisions) === '[4,3,2,1,0]', 'revisions 4..0');
    await until('the summary counts 5 events', async () => (await page.textContent('#stream-summary')).startsWith('5 events'));

    // Open the first event: its data and metadata as collapsible JSON.
    await page.click('#events-table tr[data-revision="0"]');
    const details = page.locator('tr[data-testid="event-details"]');
    await until('the details of revision 0 show its data', async () => (await details.textContent()).includes('"customer"'));
    check((await details.textContent()).includes('"browser-test"'), 'the details show its metadata');
    const nested = details.locator('details').first();
    check(await nested.evaluate((el) => el.open), 'the JSON is expanded');
    await nested.locator('summary').first().click();
    check(!(await nested.evaluate((el) => el.open)), 'a click collapses the JSON');
    await nested.locator('summary').first().click();
    await page.click('#events-table tr[data-revision="1"]');
    await until('the details of revision 1 show the nested price', async () =>
      (await page.locator('#events-table tr[data-revision="1"] + tr[data-testid="event-details"]').textContent()).includes('"currency"'));
    await shot('stream');

    // Oldest first, paging: order flips.
    await page.selectOption('#events-direction', 'forwards');
    await until('oldest first lists revision 0 at the top', async () => {
      const r = await page.$$eval('#events-table tr[data-testid="event-row"]', (rows) => rows.map((x) => Number(x.dataset.revision)));
      return JSON.stringify(r) === '[0,1,2,3,4]';
    });
    await page.selectOption('#events-direction', 'backwards');

    // --- time travel: the slider spans the first to the last event time
    await until('the time slider is enabled', () => page.$eval('#time-slider', (el) => !el.disabled));
    const micros = (t) => { const [s, f] = t.replace('Z', '').split('.'); return Date.parse(s + 'Z') * 1000 + Number((f || '').padEnd(6, '0').slice(0, 6)); };
    const t0 = micros(stored[0].timestamp), t2 = micros(stored[2].timestamp), t3 = micros(stored[3].timestamp), t4 = micros(stored[4].timestamp);
    check(micros(stored[1].timestamp) - t0 > 1000000 && t3 - t2 > 1000000, 'the appends are more than a second apart');
    const between = Math.round(((t2 + (t3 - t2) / 2) - t0) / (t4 - t0) * 1000);
    await page.fill('#time-slider', String(between));
    const past = await until('as of a moment between the batches, the first three events', async () => {
      const t = await rowTypes(page, '#events-table');
      return t.length === 3 ? t : null;
    });
    check(JSON.stringify(past) === JSON.stringify(['ItemAdded', 'ItemAdded', 'CartOpened']), 'the past shows ' + past.join(', '));
    await until('the banner says revision 2 was the last then', () => page.$eval('#asof-banner', (el) => !el.hidden && el.dataset.revision === '2'));
    check((await page.textContent('#time-label')) !== 'now', 'the label shows the chosen moment');
    await shot('time-travel');

    await page.fill('#time-slider', '0');
    const earliest = await until('at the start of the range, the first event only', async () => {
      const t = await rowTypes(page, '#events-table');
      return t.length === 1 ? t : null;
    });
    check(earliest[0] === 'CartOpened', 'the first event is CartOpened');
    await page.click('#time-now');
    await until('back to now: five events again', async () => (await rowTypes(page, '#events-table')).length === 5);
    check(await page.$eval('#asof-banner', (el) => el.hidden), 'the as-of banner is gone');

    // --- paging through a longer stream: 45 events, 20 a page, newest first
    const paged = `paged-${run}`;
    await apiAppend(paged, Array.from({ length: 45 }, (_, i) => ({ type: i % 2 ? 'Odd' : 'Even', data: { i } })), 'no_stream');
    await page.goto(`${base}/#/stream/${encodeURIComponent(paged)}`);
    const pageRevisions = () => page.$$eval('#events-table tr[data-testid="event-row"]', (rows) => rows.map((r) => Number(r.dataset.revision)));
    const expectPage = async (what, firstRevision, count) => {
      await until(what, async () => {
        const r = await pageRevisions();
        return r.length === count && r[0] === firstRevision && r.every((v, i) => v === firstRevision - i);
      });
    };
    await expectPage('page 1: revisions 44..25', 44, 20);
    check(await page.$eval('#page-prev', (el) => el.disabled), 'no newer page before the first');
    await page.click('#page-next');
    await expectPage('page 2: revisions 24..5', 24, 20);
    await page.click('#page-next');
    await expectPage('page 3: revisions 4..0', 4, 5);
    await until('no older page after the last', () => page.$eval('#page-next', (el) => el.disabled));
    await page.click('#page-prev');
    await expectPage('back to page 2', 24, 20);

    // --- live tail of $all, filtered by stream prefix
    await page.click('[data-testid="nav-tail"]');
    await page.fill('#tail-stream-prefix', 'web-cart-');
    await until('the tail is live', async () =>
      (await page.$eval('#tail-status', (el) => el.dataset.state)) === 'live' &&
      (await page.evaluate(() => location.hash)).includes('stream_prefix=web-cart-'));
    await sleep(300);  // the filter change reconnects after a short debounce
    await until('the tail is live with the filter', async () => (await page.$eval('#tail-status', (el) => el.dataset.state)) === 'live');
    check((await rowTypes(page, '#tail-table')).length === 0, 'from=end: nothing from before');
    await apiAppend(`web-noise-${run}-0`, [{ type: 'Ping', data: { late: true } }]);
    await apiAppend(cart, [{ type: 'CartReopened', data: { reason: 'forgot milk' } }]);
    await apiAppend(cart, [{ type: 'ItemAdded', data: { sku: 'M1', qty: 1 } }]);
    const tailed = await until('the tail shows the two cart events, newest first', async () => {
      const t = await rowTypes(page, '#tail-table');
      return t.length === 2 ? t : null;
    });
    check(JSON.stringify(tailed) === JSON.stringify(['ItemAdded', 'CartReopened']), 'tail: ' + tailed.join(', '));
    const tailStreams = await page.$$eval('#tail-table tr[data-testid="event-row"]', (rows) => rows.map((r) => r.dataset.stream));
    check(tailStreams.every((s) => s === cart), 'the stream filter kept the noise out');
    await until('the counter says 2 events', async () => (await page.textContent('#tail-count')) === '2 events');

    // A type filter too: only ItemAdded from now on.
    await page.fill('#tail-type-prefix', 'Item');
    await until('the tail reconnects with the type filter', async () =>
      (await page.evaluate(() => location.hash)).includes('type_prefix=Item') &&
      (await page.$eval('#tail-status', (el) => el.dataset.state)) === 'live');
    await sleep(300);
    await apiAppend(cart, [{ type: 'CouponApplied', data: { code: 'X' } }]);
    await apiAppend(cart, [{ type: 'ItemAdded', data: { sku: 'Z9', qty: 3 } }]);
    await until('the type filter lets ItemAdded through, not CouponApplied', async () => {
      const t = await rowTypes(page, '#tail-table');
      return t.length === 3 && t[0] === 'ItemAdded' && !t.includes('CouponApplied');
    });
    await page.click('#tail-table tr[data-testid="event-row"]');
    await until('a tailed event opens its data', async () => (await page.locator('#tail-table tr[data-testid="event-details"]').textContent()).includes('"Z9"'));
    await shot('tail');

    // --- the stream view sees the new events
    await page.goto(`${base}/#/stream/${encodeURIComponent(cart)}`);
    await until('the stream view shows 9 events after the tail appends', async () =>
      (await page.textContent('#stream-summary')).startsWith('9 events'));

    // --- the append form
    await page.click('[data-testid="stream-append-link"]');
    await until('the append form is prefilled with the stream', async () => (await page.inputValue('#append-stream')) === cart);
    await page.fill('#append-type', 'GiftWrapRequested');
    await page.fill('#append-data', '{"paper": "blue", "note": "happy birthday"}');
    await page.fill('#append-metadata', '{"via": "web form"}');
    await page.selectOption('#append-expected', 'exact');
    await page.fill('#append-expected-revision', '8');
    await page.click('#append-submit');
    await until('the form reports revision 9', async () =>
      (await page.$eval('#append-result', (el) => el.dataset.state)) === 'ok' &&
      (await page.textContent('[data-testid="append-result-revision"]')) === '9');
    const afterForm = await apiRead(cart);
    const appended = afterForm[afterForm.length - 1];
    check(afterForm.length === 10 && appended.type === 'GiftWrapRequested' && appended.data.paper === 'blue' &&
          appended.metadata.via === 'web form', 'the API reads the event the form appended, with its data and metadata');

    // A stale expected revision: a 409 with the actual revision.
    await page.fill('#append-expected-revision', '3');
    await page.click('#append-submit');
    await until('a stale expected revision is refused with the actual revision', async () =>
      (await page.$eval('#append-result', (el) => el.dataset.state)) === 'error' &&
      (await page.textContent('[data-testid="append-result-title"]')).includes('409') &&
      (await page.textContent('[data-testid="append-result-actual"]')) === '9');
    check((await apiRead(cart)).length === 10, 'nothing was written by the refused append');
    await shot('append-error');

    // Bad JSON never reaches the server.
    await page.fill('#append-data', '{"oops": ');
    await page.click('#append-submit');
    await until('bad JSON is pointed out in the form', async () => (await page.textContent('#append-data-hint')).startsWith('Not valid JSON'));
    await page.fill('#append-data', '{"paper": "red"}');
    await page.fill('#append-expected-revision', '9');
    await page.click('#append-submit');
    await until('the corrected append succeeds at revision 10', async () =>
      (await page.$eval('#append-result', (el) => el.dataset.state)) === 'ok' &&
      (await page.textContent('[data-testid="append-result-revision"]')) === '10');
    await shot('append');

    // A stream that does not exist says so.
    await page.goto(`${base}/#/stream/${encodeURIComponent('no-such-stream-' + run)}`);
    await until('a missing stream says it does not exist', async () =>
      (await page.textContent('#events-table')).includes('does not exist'));

    // --- the dashboard after all that, in light and dark
    await page.goto(base + '/#/dashboard');
    await until('the dashboard shows appends since start', async () =>
      (await page.textContent('[data-testid="chart-appends"]')) !== '' &&
      Number(await page.$eval('#stat-head', (el) => el.dataset.value)) > 0);
    // Some traffic while the charts draw: appends, and reads of what was appended.
    for (let i = 0; i < 16; i++) {
      await apiAppend(`web-load-${run}-${i % 4}`, Array.from({ length: 1 + (i % 3) }, (_, k) => ({ type: 'Load', data: { i, k } })));
      if (i % 2) await apiRead(cart);
      await sleep(180);
    }
    await until('the dashboard has a non-zero appends/s in its chart history', async () =>
      (await page.$eval('[data-testid="chart-appends"] path.line', (el) => el.getAttribute('d'))).length > 0);
    check(Number(await page.$eval('#stat-head', (el) => el.dataset.value)) > 2000, 'the head position moved on with the load');
    await shot('dashboard');
    const dark = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'dark' });
    const darkPage = await dark.newPage();
    await darkPage.goto(`${base}/#/stream/${encodeURIComponent(cart)}`);
    await until('the dark stream view shows events', async () => (await rowTypes(darkPage, '#events-table')).length > 0);
    await darkPage.click('#events-table tr[data-revision="10"]');
    await until('dark: details open', async () => (await darkPage.locator('tr[data-testid="event-details"]').count()) === 1);
    check(await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor !== 'rgb(247, 247, 249)'),
          'dark mode uses the dark palette');
    await shot('stream-dark', darkPage);

    check(foreign.length === 0, 'no request left the server' + (foreign.length ? ': ' + foreign.join(' ') : ''));
    check(problems.length === 0, 'no errors in the page' + (problems.length ? ': ' + problems.join(' | ') : ''));
  } finally {
    await browser.close();
  }
  console.log(`all ${checks} checks passed`);
}

main().catch((err) => {
  console.error('FAIL: ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});
