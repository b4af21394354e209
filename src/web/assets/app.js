// Mnemos web UI: plain JavaScript over the HTTP API of docs/HTTP.md. No framework, no network
// beyond the server that serves this file.
'use strict';

(() => {
  // ---------------------------------------------------------------- small DOM helpers

  // h('div', {class: 'x', onclick: f}, child, 'text', [more]) builds an element.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key in el && key !== 'list' && !key.includes('-')) el[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
    return el;
  }
  const byId = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- formatting

  const numberFormat = new Intl.NumberFormat('en-US');
  function fmtInt(n) { return n === undefined || n === null ? '–' : numberFormat.format(n); }
  function fmtRate(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return '–';
    if (n >= 100) return numberFormat.format(Math.round(n));
    if (n >= 10) return n.toFixed(1);
    return n.toFixed(2).replace(/\.?0+$/, '') || '0';
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[i];
  }
  function fmtMicros(us) {
    if (us === null || us === undefined || !Number.isFinite(us)) return '–';
    if (us >= 1e6) return (us / 1e6).toFixed(2) + ' s';
    if (us >= 1e3) return (us / 1e3).toFixed(us >= 1e4 ? 1 : 2) + ' ms';
    return Math.round(us) + ' µs';
  }
  function fmtDuration(seconds) {
    if (seconds === undefined || seconds === null) return '–';
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
    const mm = Math.floor((s % 3600) / 60), ss = s % 60;
    if (d) return `${d}d ${hh}h`;
    if (hh) return `${hh}h ${mm}m`;
    if (mm) return `${mm}m ${ss}s`;
    return `${ss}s`;
  }

  // Times: the server writes RFC 3339 in UTC with six fractional digits. Kept as microseconds
  // since the epoch (exact in a double until the year 2255) so the slider loses nothing.
  function parseMicros(text) {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(text || '');
    if (!m) return null;
    const seconds = Date.parse(m[1] + (m[3] === 'Z' ? 'Z' : m[3]));
    if (Number.isNaN(seconds)) return null;
    const fraction = ((m[2] || '') + '000000').slice(0, 6);
    return seconds * 1000 + Number(fraction);
  }
  function formatMicros(us) {
    const ms = Math.floor(us / 1000);
    const iso = new Date(ms).toISOString();  // 2026-12-01T22:51:03.123Z
    const micros = String(us - ms * 1000).padStart(3, '0');
    return iso.slice(0, 23) + micros + 'Z';
  }
  function fmtTime(text) {
    // "2026-12-01T22:51:03.123456Z" -> "2026-12-01 22:51:03.123456"
    return typeof text === 'string' ? text.replace('T', ' ').replace(/Z$/, '') : '–';
  }
  function fmtAgo(text) {
    const us = parseMicros(text);
    if (us === null) return '';
    const s = (Date.now() - us / 1000) / 1000;
    if (s < 1) return 'just now';
    if (s < 60) return Math.floor(s) + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 86400) return Math.floor(s / 3600) + 'h ago';
    return Math.floor(s / 86400) + 'd ago';
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  // Calls the API; resolves to the parsed JSON body (null for 204), rejects with ApiError.
  async function api(method, url, { body, headers, signal } = {}) {
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: Object.assign({ Accept: 'application/json' },
                               body !== undefined ? { 'Content-Type': 'application/json' } : {},
                               headers || {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError(0, 'unreachable', 'The server did not answer: ' + err.message, null);
    }
    const text = await response.text();
    let parsed = null;
    if (text) {
      try { parsed = JSON.parse(text); } catch { parsed = null; }
    }
    if (!response.ok) {
      const error = parsed && parsed.error ? parsed.error : {};
      throw new ApiError(response.status, error.code || 'http_' + response.status,
                         error.message || text || response.statusText, parsed);
    }
    return parsed;
  }
  const enc = encodeURIComponent;
  function query(params) {
    const parts = [];
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === '') continue;
      parts.push(enc(key) + '=' + enc(value));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }
  const streamUrl = (name, params = {}) => '/streams/' + enc(name) + query(params);

  // ---------------------------------------------------------------- JSON viewer

  // A pretty, collapsible view of a JSON value: objects and arrays are <details>, open down to
  // `openDepth` levels.
  function jsonView(value, { openDepth = 2, encoding } = {}) {
    const root = h('div', { class: 'json', 'data-testid': 'json' });
    if (encoding === 'base64') {
      root.append(h('span', { class: 'type-badge', text: 'base64' }), ' ',
                  h('span', { class: 'json-string', text: value }));
      return root;
    }
    root.append(jsonNode(value, 0, openDepth));
    return root;
  }
  // `label` (a key and a colon, or nothing) goes inside the summary so a nested value opens on
  // its key's line.
  function jsonNode(value, depth, openDepth, label = []) {
    const line = (...parts) => h('span', {}, ...label, ...parts);
    if (value === null) return line(h('span', { class: 'json-literal', text: 'null' }));
    if (typeof value === 'string') return line(h('span', { class: 'json-string', text: JSON.stringify(value) }));
    if (typeof value === 'number') return line(h('span', { class: 'json-number', text: String(value) }));
    if (typeof value === 'boolean') return line(h('span', { class: 'json-literal', text: String(value) }));
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return line(open + close);
    const preview = isArray ? `${entries.length} item${entries.length === 1 ? '' : 's'}`
                            : entries.slice(0, 4).map(([k]) => k).join(', ') + (entries.length > 4 ? ', …' : '');
    const children = h('div', { class: 'json-children' });
    entries.forEach(([key, child], i) => {
      const childLabel = isArray ? [] : [h('span', { class: 'json-key', text: JSON.stringify(key) }), ': '];
      const node = jsonNode(child, depth + 1, openDepth, childLabel);
      if (i < entries.length - 1) {
        // The comma follows the value: after the closing bracket of a nested one.
        (node.tagName === 'DETAILS' ? node.lastChild : node).append(',');
        if (node.tagName === 'DETAILS') node.querySelector('.json-preview').append(',');
      }
      children.append(node.tagName === 'DETAILS' ? node : h('div', {}, node));
    });
    return h('details', { open: depth < openDepth },
             h('summary', {}, ...label, open, h('span', { class: 'json-preview', text: ` ${preview} ${close}` })),
             children,
             h('div', { class: 'json-close', text: close }));
  }

  // ---------------------------------------------------------------- /stats, polled once a second

  // The last few minutes of /stats samples, kept while the page is open so the dashboard has a
  // history when one comes back to it.
  const HISTORY = 120;
  const stats = { samples: [], listeners: new Set(), timer: null, failures: 0 };

  async function pollStats() {
    try {
      const body = await api('GET', '/stats');
      stats.failures = 0;
      stats.samples.push({ t: performance.now() / 1000, s: body });
      if (stats.samples.length > HISTORY + 1) stats.samples.shift();
      setServerStatus('ok', `head ${fmtInt(body.head_position)} · ${fmtInt(body.events)} events`);
    } catch (err) {
      stats.failures++;
      setServerStatus('down', err.status ? `HTTP ${err.status}` : 'server unreachable');
    }
    for (const listener of stats.listeners) listener();
  }
  function startStats() {
    if (stats.timer) return;
    pollStats();
    stats.timer = setInterval(pollStats, 1000);
  }
  function setServerStatus(state, text) {
    const el = byId('server-status');
    el.dataset.state = state;
    byId('server-status-text').textContent = text;
  }

  // Rates between consecutive samples: per second for counters, and the mean fsync latency of
  // the syncs in each interval.
  function derivedSeries() {
    const out = { appends: [], events: [], reads: [], syncLatency: [], subscriptions: [], disk: [], head: [] };
    const samples = stats.samples;
    for (let i = 0; i < samples.length; i++) {
      const { t, s } = samples[i];
      out.subscriptions.push(s.subscriptions);
      out.disk.push((s.log_bytes || 0) + (s.index_bytes || 0));
      out.head.push(s.head_position);
      if (i === 0) continue;
      const prev = samples[i - 1];
      const dt = Math.max(t - prev.t, 1e-3);
      const rate = (key) => Math.max(0, (s[key] - prev.s[key]) / dt);
      out.appends.push(rate('appends'));
      out.events.push(rate('events_appended'));
      out.reads.push(rate('reads'));
      const lat = s.sync_latency_us || {}, prevLat = prev.s.sync_latency_us || {};
      const dCount = (lat.count || 0) - (prevLat.count || 0);
      out.syncLatency.push(dCount > 0 ? ((lat.sum || 0) - (prevLat.sum || 0)) / dCount : 0);
    }
    for (const key of ['subscriptions', 'disk', 'head']) out[key] = out[key].slice(1);
    return out;
  }

  // ---------------------------------------------------------------- charts (SVG)

  // A line-and-area chart of `values` (oldest first), the newest at the right edge.
  function drawChart(container, values, format) {
    const W = 300, H = 60;
    const max = Math.max(1e-9, ...values);
    const top = niceCeil(max);
    const n = values.length;
    // The window fills as the history grows, then scrolls: at least 20 points wide.
    const span = Math.min(HISTORY, Math.max(n, 20));
    const x = (i) => W - (n - 1 - i) * (W / (span - 1));
    const y = (v) => H - (v / top) * (H - 2) - 1;
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none' });
    for (const f of [0.5, 1]) s.append(svg('line', { class: 'grid', x1: 0, x2: W, y1: H - f * (H - 2) - 1, y2: H - f * (H - 2) - 1 }));
    s.append(svg('line', { class: 'grid', x1: 0, x2: W, y1: H - 0.5, y2: H - 0.5 }));
    if (n >= 2) {
      let d = '';
      values.forEach((v, i) => { d += (i ? 'L' : 'M') + x(i).toFixed(2) + ' ' + y(v).toFixed(2); });
      s.append(svg('path', { class: 'area', d: `${d}L${x(n - 1).toFixed(2)} ${H}L${x(0).toFixed(2)} ${H}Z` }));
      s.append(svg('path', { class: 'line', d }));
    }
    container.replaceChildren(s, h('span', { class: 'ymax', text: format(values.length ? top : 0) }));
  }
  function niceCeil(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  // ---------------------------------------------------------------- views

  // Each view renders into `root` and returns a function that stops whatever it started.

  function viewDashboard(root) {
    const cards = [
      { key: 'appends', label: 'Appends / s', format: fmtRate, detail: (s) => `${fmtInt(s.appends)} since start · ${fmtRate(lastOf('events'))} events/s` },
      { key: 'reads', label: 'Reads / s', format: fmtRate, detail: (s) => `${fmtInt(s.reads)} since start` },
      { key: 'syncLatency', label: 'Fsync latency (mean)', format: fmtMicros,
        detail: (s) => { const l = s.sync_latency_us || {}; return `p50 ${fmtMicros(l.p50)} · p99 ${fmtMicros(l.p99)} · ${fmtInt(l.count)} syncs`; } },
      { key: 'subscriptions', label: 'Subscriptions', format: fmtInt, detail: () => 'live subscribers now' },
      { key: 'disk', label: 'Disk use', format: fmtBytes, detail: (s) => `log ${fmtBytes(s.log_bytes)} · index ${fmtBytes(s.index_bytes)} · ${fmtInt(s.segments)} segments` },
      { key: 'head', label: 'Head position', format: fmtInt, detail: (s) => `${fmtInt(s.events)} events in ${fmtInt(s.streams)} streams` },
    ];
    let series = {};
    const lastOf = (key) => (series[key] && series[key].length ? series[key][series[key].length - 1] : null);
    const grid = h('div', { class: 'cards' });
    const parts = cards.map((card) => {
      const value = h('div', { class: 'value', 'data-testid': `stat-${card.key}`, id: `stat-${card.key}`, text: '–' });
      const detail = h('div', { class: 'detail' });
      const chart = h('div', { class: 'chart', 'data-testid': `chart-${card.key}` });
      grid.append(h('section', { class: 'card' }, h('div', { class: 'label', text: card.label }), value, detail, chart));
      return { card, value, detail, chart };
    });
    const totals = h('div', { class: 'totals', id: 'stat-totals' });
    root.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Dashboard' }),
        h('span', { class: 'sub', id: 'dashboard-updated', text: 'waiting for /stats…' })),
      grid,
      h('section', { class: 'panel', style: 'margin-top:16px' }, h('h2', { text: 'Store' }), totals));

    function render() {
      const latest = stats.samples.length ? stats.samples[stats.samples.length - 1].s : null;
      if (!latest) return;
      series = derivedSeries();
      for (const { card, value, detail, chart } of parts) {
        const values = series[card.key];
        const current = values.length ? values[values.length - 1] : null;
        value.textContent = current === null ? '–' : card.format(current);
        value.dataset.value = current === null ? '' : String(current);
        detail.textContent = card.detail(latest);
        drawChart(chart, values, card.format);
      }
      const item = (k, v) => h('div', {}, h('span', { class: 'k', text: k }), h('span', { class: 'v', text: v }));
      totals.replaceChildren(
        item('Events', fmtInt(latest.events)), item('Streams', fmtInt(latest.streams)),
        item('Events appended', fmtInt(latest.events_appended)), item('Syncs', fmtInt(latest.syncs)),
        item('Segments', fmtInt(latest.segments)), item('Uptime', fmtDuration(latest.uptime_seconds)));
      byId('dashboard-updated').textContent = stats.failures ? 'the server does not answer' : 'live, every second';
    }
    stats.listeners.add(render);
    render();
    return () => stats.listeners.delete(render);
  }

  function viewStreams(root, params) {
    const input = h('input', { type: 'search', id: 'stream-prefix', 'data-testid': 'stream-prefix',
                               placeholder: 'Stream name prefix, e.g. cart-', value: params.get('prefix') || '',
                               autocomplete: 'off', style: 'flex:1' });
    const body = h('tbody', { id: 'streams-body' });
    const more = h('button', { id: 'streams-more', 'data-testid': 'streams-more', text: 'Load more', hidden: true });
    const status = h('span', { class: 'muted', id: 'streams-status' });
    root.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Streams' }), status),
      h('div', { class: 'panel' },
        h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); search(); } }, input,
          h('button', { class: 'primary', type: 'submit', text: 'Search' })),
        h('table', { class: 'grid', id: 'streams-table', 'data-testid': 'streams-table', style: 'margin-top:12px' },
          h('thead', {}, h('tr', {}, h('th', { text: 'Stream' }), h('th', { text: 'Last revision' }), h('th', { text: 'State' }))),
          body),
        h('div', { class: 'pager' }, more)));

    let next = null, generation = 0, shown = 0, debounce = null;
    async function load(url, replace) {
      const mine = ++generation;
      status.textContent = 'loading…';
      try {
        const page = await api('GET', url);
        if (mine !== generation) return;
        if (replace) { body.replaceChildren(); shown = 0; }
        for (const s of page.streams || []) {
          body.append(h('tr', { class: 'clickable', 'data-testid': 'stream-row', 'data-stream': s.name,
                                onclick: () => { location.hash = '#/stream/' + enc(s.name); } },
            h('td', {}, h('a', { href: '#/stream/' + enc(s.name), class: 'mono', text: s.name })),
            h('td', { class: 'num', text: s.last_revision === null || s.last_revision === undefined ? '–' : fmtInt(s.last_revision) }),
            h('td', {}, h('span', { class: 'state-badge ' + (s.state || ''), text: (s.state || '').replace('_', ' ') }))));
          shown++;
        }
        if (shown === 0) body.append(h('tr', {}, h('td', { colspan: 3, class: 'empty', text: input.value ? `No stream starts with “${input.value}”.` : 'No streams yet. Append an event to create one.' })));
        next = page.next || null;
        more.hidden = !next;
        status.textContent = `${fmtInt(shown)} stream${shown === 1 ? '' : 's'}${next ? ' (more)' : ''}`;
      } catch (err) {
        if (mine !== generation) return;
        status.textContent = '';
        body.replaceChildren(h('tr', {}, h('td', { colspan: 3, class: 'error-box', text: err.message })));
      }
    }
    function search() {
      const prefix = input.value;
      history.replaceState(null, '', '#/streams' + query({ prefix }));
      load('/streams' + query({ prefix, limit: 50 }), true);
    }
    input.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(search, 200); });
    more.addEventListener('click', () => next && load(next, false));
    search();
    input.focus();
    return () => { generation++; clearTimeout(debounce); };
  }

  // One row of an events table and, when clicked, its details (ids, data, metadata).
  function eventRows(event, { showStream = false, fresh = false } = {}) {
    const columns = showStream ? 6 : 5;
    const row = h('tr', { class: 'clickable' + (fresh ? ' fresh' : ''), 'data-testid': 'event-row',
                          'data-type': event.type, 'data-revision': event.revision, 'data-stream': event.stream,
                          'data-position': event.position },
      showStream ? h('td', {}, h('a', { href: '#/stream/' + enc(event.stream), class: 'mono', text: event.stream,
                                        onclick: (e) => e.stopPropagation() })) : null,
      h('td', { class: 'num', text: fmtInt(event.revision) }),
      h('td', { class: 'num', text: fmtInt(event.position) }),
      h('td', { class: 'time', title: fmtAgo(event.timestamp), text: fmtTime(event.timestamp) }),
      h('td', {}, h('span', { class: 'type-badge', 'data-testid': 'event-type', text: event.type })),
      h('td', { class: 'mono muted preview', text: preview(event.data) }));
    let details = null;
    row.addEventListener('click', () => {
      if (details) { details.remove(); details = null; row.classList.remove('open'); return; }
      details = h('tr', { class: 'details', 'data-testid': 'event-details' },
        h('td', { colspan: columns },
          h('div', { class: 'kv' },
            h('span', { class: 'k', text: 'id' }), h('span', { class: 'mono', text: event.id }),
            h('span', { class: 'k', text: 'stream' }), h('span', { class: 'mono', text: event.stream }),
            h('span', { class: 'k', text: 'time' }), h('span', { class: 'mono', text: `${event.timestamp} (${fmtAgo(event.timestamp)})` })),
          h('div', { class: 'payloads' },
            h('div', {}, h('h3', { text: 'Data' }), jsonView(event.data, { encoding: event.data_encoding })),
            h('div', {}, h('h3', { text: 'Metadata' }), jsonView(event.metadata, { encoding: event.metadata_encoding })))));
      row.after(details);
      row.classList.add('open');
    });
    return row;
  }
  function preview(value) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text === undefined) return '';
    return text.length > 80 ? text.slice(0, 77) + '…' : text;
  }

  const PAGE = 20;

  function viewStream(root, name) {
    const title = h('h1', { class: 'mono', id: 'stream-name', 'data-testid': 'stream-name', text: name });
    const summary = h('span', { class: 'sub', id: 'stream-summary' });
    const body = h('tbody', { id: 'events-body' });
    const prev = h('button', { id: 'page-prev', 'data-testid': 'page-prev', text: '← Newer', disabled: true });
    const nextButton = h('button', { id: 'page-next', 'data-testid': 'page-next', text: 'Older →', disabled: true });
    const pageInfo = h('span', { class: 'muted', id: 'page-info', 'data-testid': 'page-info' });
    const direction = h('select', { id: 'events-direction', 'data-testid': 'events-direction' },
      h('option', { value: 'backwards', text: 'Newest first' }), h('option', { value: 'forwards', text: 'Oldest first' }));
    const slider = h('input', { type: 'range', id: 'time-slider', 'data-testid': 'time-slider', min: 0, max: 1000, step: 1, value: 1000, disabled: true });
    const asOfLabel = h('span', { class: 'asof', id: 'time-label', 'data-testid': 'time-label', text: 'now' });
    const asOfNow = h('button', { id: 'time-now', 'data-testid': 'time-now', text: 'Back to now', disabled: true });
    const ticks = h('div', { class: 'ticks' });
    const ends = h('div', { class: 'ends' }, h('span', { id: 'time-first' }), h('span', { id: 'time-last' }));
    const banner = h('div', { class: 'asof-banner', id: 'asof-banner', 'data-testid': 'asof-banner', hidden: true });
    const metadataBox = h('div', { id: 'stream-metadata' });

    root.replaceChildren(
      h('div', { class: 'page-head' }, h('a', { href: '#/streams', text: '← Streams' }), title, summary,
        h('span', { class: 'spacer' }),
        h('a', { href: '#/append' + query({ stream: name }), 'data-testid': 'stream-append-link', text: 'Append to this stream' })),
      h('section', { class: 'panel timetravel', 'data-testid': 'time-travel' },
        h('div', { class: 'row' }, h('h2', { text: 'Time travel', style: 'margin:0' }),
          h('span', { class: 'muted', text: 'as of' }), asOfLabel, h('span', { class: 'spacer' }), asOfNow),
        h('div', { class: 'slider-wrap' }, slider, ticks), ends),
      h('section', { class: 'panel' },
        h('div', { class: 'row', style: 'margin-bottom:8px' }, h('h2', { text: 'Events', style: 'margin:0' }), banner,
          h('span', { class: 'spacer' }), direction),
        h('table', { class: 'grid', id: 'events-table', 'data-testid': 'events-table' },
          h('thead', {}, h('tr', {}, h('th', { text: 'Revision' }), h('th', { text: 'Position' }), h('th', { text: 'Time (UTC)' }), h('th', { text: 'Type' }), h('th', { text: 'Data' }))),
          body),
        h('div', { class: 'pager' }, prev, nextButton, pageInfo)),
      h('section', { class: 'panel' }, h('h2', { text: 'Stream metadata' }), metadataBox));

    // The range of the slider: the first and the last event's time.
    let first = null, last = null, asOf = null;  // microseconds; asOf null = now
    let pages = [], generation = 0, summaryGeneration = 0, alive = true;

    function firstUrl() {
      const dir = direction.value;
      const params = { direction: dir, limit: PAGE, as_of: asOf === null ? undefined : formatMicros(asOf) };
      if (dir === 'forwards') params.from = 0;
      return streamUrl(name, params);
    }
    async function loadPage(url) {
      const mine = ++generation;
      try {
        const page = await api('GET', url);
        if (mine !== generation || !alive) return;
        const events = page.events || [];
        body.replaceChildren(...events.map((e) => eventRows(e)));
        if (!events.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'empty', text: asOf !== null ? 'No events yet at this moment.' : 'This stream has no events.' })));
        pages[pages.length - 1].next = page.next || null;
        nextButton.disabled = !page.next;
        prev.disabled = pages.length <= 1;
        const revs = events.map((e) => e.revision);
        pageInfo.textContent = events.length
          ? `page ${pages.length} · revisions ${fmtInt(Math.min(...revs))}–${fmtInt(Math.max(...revs))}` : '';
        body.dataset.count = String(events.length);
      } catch (err) {
        if (mine !== generation || !alive) return;
        body.dataset.count = '0';
        if (err.status === 404 && asOf !== null) {
          body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty', text: 'The stream did not exist yet at this moment.' })));
        } else {
          body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'error-box', 'data-testid': 'stream-error',
            text: err.status === 404 ? `Stream “${name}” does not exist or was deleted.` : err.message })));
        }
        nextButton.disabled = true;
        prev.disabled = pages.length <= 1;
        pageInfo.textContent = '';
      }
    }
    function restart() {
      pages = [{ url: firstUrl(), next: null }];
      loadPage(pages[0].url);
      updateSummary();
    }
    nextButton.addEventListener('click', () => {
      const current = pages[pages.length - 1];
      if (!current.next) return;
      pages.push({ url: current.next, next: null });
      loadPage(current.next);
    });
    prev.addEventListener('click', () => {
      if (pages.length <= 1) return;
      pages.pop();
      loadPage(pages[pages.length - 1].url);
    });
    direction.addEventListener('change', restart);

    // How many events the stream had at the chosen moment: its last revision then.
    async function updateSummary() {
      const mine = ++summaryGeneration;
      try {
        const page = await api('GET', streamUrl(name, { direction: 'backwards', limit: 1,
                                                        as_of: asOf === null ? undefined : formatMicros(asOf) }));
        if (!alive || mine !== summaryGeneration) return;
        const top = (page.events || [])[0];
        const text = top ? `${fmtInt(top.revision + 1)} event${top.revision === 0 ? '' : 's'} · last revision ${fmtInt(top.revision)}` : 'no events';
        if (asOf === null) {
          summary.textContent = text;
          banner.hidden = true;
        } else {
          banner.hidden = false;
          banner.textContent = `Showing the stream as of ${fmtTime(formatMicros(asOf))}: ${text}`;
        }
        banner.dataset.revision = top ? String(top.revision) : '';
      } catch (err) {
        if (!alive || mine !== summaryGeneration) return;
        if (asOf !== null && err.status === 404) {
          banner.hidden = false;
          banner.textContent = `As of ${fmtTime(formatMicros(asOf))} the stream did not exist yet.`;
          banner.dataset.revision = '';
        }
      }
    }

    async function loadRange() {
      try {
        const [oldest, newest] = await Promise.all([
          api('GET', streamUrl(name, { direction: 'forwards', from: 0, limit: 1 })),
          api('GET', streamUrl(name, { direction: 'backwards', limit: 1 }))]);
        if (!alive) return;
        const a = (oldest.events || [])[0], b = (newest.events || [])[0];
        if (!a || !b) return;
        first = parseMicros(a.timestamp);
        last = parseMicros(b.timestamp);
        byId('time-first').textContent = fmtTime(a.timestamp);
        byId('time-last').textContent = fmtTime(b.timestamp);
        slider.disabled = first === null || last === null || last <= first;
        slider.dataset.first = a.timestamp;
        slider.dataset.last = b.timestamp;
        drawTicks();
      } catch { /* the events table says what is wrong */ }
    }
    // One tick per event of the most recent page (up to 200), to show where things happened.
    async function drawTicks() {
      try {
        const page = await api('GET', streamUrl(name, { direction: 'backwards', limit: 200 }));
        if (!alive || last === null || last <= first) return;
        ticks.replaceChildren(...(page.events || []).map((e) => {
          const at = (parseMicros(e.timestamp) - first) / (last - first);
          return h('span', { style: `left:calc(${(at * 100).toFixed(3)}% - 1px)` });
        }));
      } catch { /* ticks are decoration */ }
    }

    let sliderDebounce = null;
    function onSlide() {
      if (first === null || last === null) return;
      const v = Number(slider.value);
      asOf = v >= 1000 ? null : Math.round(first + (last - first) * (v / 1000));
      asOfLabel.textContent = asOf === null ? 'now' : fmtTime(formatMicros(asOf));
      asOfNow.disabled = asOf === null;
      slider.dataset.asOf = asOf === null ? '' : formatMicros(asOf);
      clearTimeout(sliderDebounce);
      sliderDebounce = setTimeout(restart, 120);
    }
    slider.addEventListener('input', onSlide);
    slider.addEventListener('change', onSlide);
    asOfNow.addEventListener('click', () => { slider.value = '1000'; onSlide(); });

    async function loadMetadata() {
      try {
        const m = await api('GET', streamUrl(name) + '/metadata');
        if (!alive) return;
        const empty = !m.metadata || (typeof m.metadata === 'object' && Object.keys(m.metadata).length === 0);
        metadataBox.replaceChildren(empty ? h('span', { class: 'muted', text: 'No metadata set.' }) : jsonView(m.metadata));
      } catch (err) {
        if (!alive) return;
        metadataBox.replaceChildren(h('span', { class: 'muted', text: err.status === 404 ? 'No metadata.' : err.message }));
      }
    }

    restart();
    loadRange();
    loadMetadata();
    return () => { alive = false; generation++; clearTimeout(sliderDebounce); };
  }

  function viewTail(root, params) {
    const typeInput = h('input', { type: 'text', id: 'tail-type-prefix', 'data-testid': 'tail-type-prefix',
                                   placeholder: 'Event type prefix', value: params.get('type_prefix') || '', autocomplete: 'off' });
    const streamInput = h('input', { type: 'text', id: 'tail-stream-prefix', 'data-testid': 'tail-stream-prefix',
                                     placeholder: 'Stream prefix', value: params.get('stream_prefix') || '', autocomplete: 'off' });
    const toggle = h('button', { id: 'tail-toggle', 'data-testid': 'tail-toggle', text: 'Pause' });
    const clear = h('button', { id: 'tail-clear', 'data-testid': 'tail-clear', text: 'Clear' });
    const status = h('span', { class: 'tail-status', id: 'tail-status', 'data-testid': 'tail-status', 'data-state': 'connecting', text: 'connecting…' });
    const counter = h('span', { class: 'muted', id: 'tail-count', 'data-testid': 'tail-count', text: '0 events' });
    const body = h('tbody', { id: 'tail-body', 'data-testid': 'tail-body' });
    const placeholder = h('tr', { id: 'tail-empty' }, h('td', { colspan: 6, class: 'empty', text: 'Waiting for new events…' }));
    body.append(placeholder);
    root.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Live tail' }), h('span', { class: 'sub', text: 'of $all, newest first' })),
      h('div', { class: 'panel' },
        h('div', { class: 'filters' },
          h('label', { class: 'field' }, 'Event type starts with', typeInput),
          h('label', { class: 'field' }, 'Stream starts with', streamInput),
          toggle, clear, h('span', { class: 'spacer' }),
          h('div', { class: 'row', style: 'height:36px' }, status, counter))),
      h('div', { class: 'panel' },
        h('table', { class: 'grid', id: 'tail-table', 'data-testid': 'tail-table' },
          h('thead', {}, h('tr', {}, h('th', { text: 'Stream' }), h('th', { text: 'Revision' }), h('th', { text: 'Position' }),
                                     h('th', { text: 'Time (UTC)' }), h('th', { text: 'Type' }), h('th', { text: 'Data' }))),
          body)));

    const MAX_ROWS = 500;
    let source = null, paused = false, count = 0, debounce = null;
    function setStatus(state, text) { status.dataset.state = state; status.textContent = text; }
    function connect() {
      if (source) source.close();
      const url = '/all' + query({ from: 'end', type_prefix: typeInput.value, stream_prefix: streamInput.value });
      history.replaceState(null, '', '#/tail' + query({ type_prefix: typeInput.value, stream_prefix: streamInput.value }));
      setStatus('connecting', 'connecting…');
      source = new EventSource(url);
      // Open, then live once the server says it has caught up (at once with from=end).
      source.onopen = () => { if (status.dataset.state !== 'live') setStatus('connecting', 'catching up…'); };
      source.addEventListener('caught-up', () => setStatus('live', 'live'));
      source.onmessage = (message) => {
        let event;
        try { event = JSON.parse(message.data); } catch { return; }
        placeholder.remove();
        body.prepend(eventRows(event, { showStream: true, fresh: true }));
        count++;
        counter.textContent = `${fmtInt(count)} event${count === 1 ? '' : 's'}`;
        // Each event is two rows at most (its details); trim the oldest.
        while (body.querySelectorAll('tr[data-testid="event-row"]').length > MAX_ROWS) {
          const rows = body.querySelectorAll('tr[data-testid="event-row"]');
          const oldest = rows[rows.length - 1];
          if (oldest.nextElementSibling && oldest.nextElementSibling.dataset.testid === 'event-details') oldest.nextElementSibling.remove();
          oldest.remove();
        }
      };
      source.onerror = () => {
        // EventSource reconnects by itself, resuming after the last id it saw.
        setStatus(source.readyState === EventSource.CLOSED ? 'error' : 'connecting',
                  source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…');
      };
    }
    function disconnect() { if (source) { source.close(); source = null; } }
    toggle.addEventListener('click', () => {
      paused = !paused;
      toggle.textContent = paused ? 'Resume' : 'Pause';
      if (paused) { disconnect(); setStatus('paused', 'paused'); } else connect();
    });
    clear.addEventListener('click', () => {
      body.replaceChildren(placeholder);
      count = 0;
      counter.textContent = '0 events';
    });
    for (const input of [typeInput, streamInput]) {
      input.addEventListener('input', () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => { if (!paused) connect(); }, 300);
      });
    }
    connect();
    return () => { clearTimeout(debounce); disconnect(); };
  }

  function viewAppend(root, params) {
    const stream = h('input', { type: 'text', id: 'append-stream', 'data-testid': 'append-stream', required: true,
                                placeholder: 'cart-1', value: params.get('stream') || '', autocomplete: 'off' });
    const type = h('input', { type: 'text', id: 'append-type', 'data-testid': 'append-type', required: true,
                              placeholder: 'ItemAdded', autocomplete: 'off' });
    const expected = h('select', { id: 'append-expected', 'data-testid': 'append-expected' },
      h('option', { value: 'any', text: 'any' }), h('option', { value: 'no_stream', text: 'no stream' }),
      h('option', { value: 'exists', text: 'stream exists' }), h('option', { value: 'exact', text: 'exact revision…' }));
    const revision = h('input', { type: 'number', id: 'append-expected-revision', 'data-testid': 'append-expected-revision',
                                  min: 0, step: 1, placeholder: 'revision', disabled: true });
    const data = h('textarea', { id: 'append-data', 'data-testid': 'append-data', rows: 8, spellcheck: false,
                                 value: '{\n  "sku": "A1",\n  "qty": 2\n}' });
    const metadata = h('textarea', { id: 'append-metadata', 'data-testid': 'append-metadata', rows: 3, spellcheck: false,
                                     placeholder: 'optional, e.g. {"correlation_id": "…"}' });
    const dataHint = h('div', { class: 'hint', id: 'append-data-hint' });
    const metadataHint = h('div', { class: 'hint', id: 'append-metadata-hint' });
    const submit = h('button', { class: 'primary', type: 'submit', id: 'append-submit', 'data-testid': 'append-submit', text: 'Append event' });
    const result = h('div', { id: 'append-result', 'data-testid': 'append-result', hidden: true });
    const form = h('form', { class: 'panel', id: 'append-form', novalidate: true },
      h('div', { class: 'form-grid' },
        h('label', { class: 'field' }, 'Stream', stream),
        h('label', { class: 'field' }, 'Event type', type),
        h('label', { class: 'field' }, 'Expected revision', expected),
        h('label', { class: 'field' }, 'Revision', revision),
        h('label', { class: 'field wide' }, 'Data (JSON)', data, dataHint),
        h('label', { class: 'field wide' }, 'Metadata (JSON)', metadata, metadataHint)),
      h('div', { class: 'row', style: 'margin-top:12px' }, submit,
        h('button', { type: 'button', id: 'append-format', text: 'Format JSON', onclick: formatJson }),
        h('span', { class: 'hint', text: 'Sent as POST /streams/{stream} with the Expected-Revision header.' })),
      result);
    root.replaceChildren(h('div', { class: 'page-head' }, h('h1', { text: 'Append' }),
                           h('span', { class: 'sub', text: 'write one event to a stream' })), form);

    expected.addEventListener('change', () => {
      revision.disabled = expected.value !== 'exact';
      if (!revision.disabled) revision.focus();
    });
    function parseField(textarea, hint, optional) {
      const text = textarea.value.trim();
      hint.textContent = '';
      hint.classList.remove('bad');
      if (!text) {
        if (optional) return { ok: true, value: undefined };
        hint.textContent = 'Data is required (use null for none).';
        hint.classList.add('bad');
        return { ok: false };
      }
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch (err) {
        hint.textContent = 'Not valid JSON: ' + err.message;
        hint.classList.add('bad');
        return { ok: false };
      }
    }
    function formatJson() {
      for (const [area, hint, optional] of [[data, dataHint, false], [metadata, metadataHint, true]]) {
        const parsed = parseField(area, hint, optional);
        if (parsed.ok && parsed.value !== undefined) area.value = JSON.stringify(parsed.value, null, 2);
      }
    }
    function showResult(state, title, ...content) {
      result.hidden = false;
      result.className = 'result';
      result.dataset.state = state;
      result.replaceChildren(h('div', { class: 'title', 'data-testid': 'append-result-title', text: title }), ...content);
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const parsedData = parseField(data, dataHint, false);
      const parsedMetadata = parseField(metadata, metadataHint, true);
      if (!stream.value.trim()) { showResult('error', 'A stream name is required.'); stream.focus(); return; }
      if (!type.value.trim()) { showResult('error', 'An event type is required.'); type.focus(); return; }
      if (!parsedData.ok || !parsedMetadata.ok) { showResult('error', 'Fix the JSON first.'); return; }
      let expectation = expected.value;
      if (expectation === 'exact') {
        if (!/^\d+$/.test(revision.value)) { showResult('error', 'Give the exact revision as a number.'); revision.focus(); return; }
        expectation = revision.value;
      }
      const event = { type: type.value.trim(), data: parsedData.value };
      if (parsedMetadata.value !== undefined) event.metadata = parsedMetadata.value;
      const name = stream.value.trim();
      submit.disabled = true;
      try {
        const ack = await api('POST', streamUrl(name), { body: [event], headers: { 'Expected-Revision': expectation } });
        showResult('ok', `Appended ${event.type} to ${name} at revision ${fmtInt(ack.last_revision)}`,
          h('div', { class: 'kv' },
            h('span', { class: 'k', text: 'revision' }), h('span', { class: 'mono', 'data-testid': 'append-result-revision', text: String(ack.last_revision) }),
            h('span', { class: 'k', text: 'position' }), h('span', { class: 'mono', 'data-testid': 'append-result-position', text: String(ack.position) })),
          h('a', { href: '#/stream/' + enc(name), 'data-testid': 'append-result-link', text: 'Open the stream →' }));
        // The next append to this stream most likely expects this revision.
        if (expected.value === 'exact' || expected.value === 'no_stream') {
          expected.value = 'exact';
          revision.disabled = false;
          revision.value = String(ack.last_revision);
        }
      } catch (err) {
        const extra = [];
        if (err.body && err.body.error && err.body.error.actual_revision !== undefined) {
          extra.push(h('div', { class: 'kv' }, h('span', { class: 'k', text: 'actual revision' }),
                       h('span', { class: 'mono', 'data-testid': 'append-result-actual', text: String(err.body.error.actual_revision) })));
        }
        const what = { 409: 'Wrong expected revision', 410: 'The stream is tombstoned', 400: 'The server refused the event', 413: 'Too large' }[err.status] || 'The append failed';
        showResult('error', `${what} (HTTP ${err.status || '–'}, ${err.code})`,
          h('div', { 'data-testid': 'append-result-message', text: err.message }), ...extra);
      } finally {
        submit.disabled = false;
      }
    });
    (stream.value ? type : stream).focus();
    return () => {};
  }

  function viewNotFound(root) {
    root.replaceChildren(h('div', { class: 'empty' }, 'Nothing here. ', h('a', { href: '#/dashboard', text: 'Go to the dashboard' })));
    return () => {};
  }

  // ---------------------------------------------------------------- routing

  let stopView = () => {};
  function route() {
    const hash = location.hash || '#/dashboard';
    const [path, search] = hash.slice(1).split('?');
    const params = new URLSearchParams(search || '');
    const root = byId('view');
    stopView();
    let name = 'notfound';
    if (path === '/' || path === '/dashboard' || path === '') { name = 'dashboard'; stopView = viewDashboard(root); }
    else if (path === '/streams') { name = 'streams'; stopView = viewStreams(root, params); }
    else if (path.startsWith('/stream/')) {
      name = 'streams';
      let stream;
      try { stream = decodeURIComponent(path.slice('/stream/'.length)); } catch { stream = path.slice('/stream/'.length); }
      stopView = viewStream(root, stream);
    }
    else if (path === '/tail') { name = 'tail'; stopView = viewTail(root, params); }
    else if (path === '/append') { name = 'append'; stopView = viewAppend(root, params); }
    else stopView = viewNotFound(root);
    root.dataset.view = path.startsWith('/stream/') ? 'stream' : name;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.route === name);
    document.title = 'Mnemos · ' + ({ dashboard: 'Dashboard', streams: 'Streams', tail: 'Live tail', append: 'Append' }[name] || 'Not found');
  }

  window.addEventListener('hashchange', route);
  startStats();
  route();
})();
