// The dashboard in a real browser (Debian's chromium driven by playwright-core) against a
// running `tickflow run` fed known input: a card per symbol, markers exactly where replay
// puts the signals, alarms as toasts and in the panel, the summary table equal to
// /api/summary, record text shown as text, thresholds changed from the page changing the
// next signals, and a server restart the page rides out with no gap and no duplicate.
// Writes build/artifacts/dashboard.png and dashboard-detail.png.
//
// Needs TICKFLOW (the binary). Run: node --test --test-concurrency=1 web/test/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const TICKFLOW = process.env.TICKFLOW;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ARTIFACTS = process.env.ARTIFACTS ?? join(ROOT, 'build/artifacts');
const work = mkdtempSync(join(tmpdir(), 'tickflow-e2e-'));
const dataDir = join(work, 'data');

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

let ingestPort, dashPort, server, browser, page;
const logs = [];

function startServer() {
  server = spawn(TICKFLOW, ['run', '--generator', 'off', '--data-dir', dataDir,
    '--ingest.listen', `127.0.0.1:${ingestPort}`, '--dashboard.listen', `127.0.0.1:${dashPort}`,
    '--aggregate.publish_every_ms', '200'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.on('data', (d) => logs.push(d.toString()));
  return until('the dashboard', async () => (await fetch(`http://127.0.0.1:${dashPort}/healthz`).catch(() => null))?.ok);
}

function stopServer() {
  return new Promise((resolve) => { server.once('exit', resolve); server.kill('SIGINT'); });
}

// POSTs NDJSON lines to ingest in batches, as a client would.
async function post(lines) {
  for (let i = 0; i < lines.length; i += 200) {
    const r = await fetch(`http://127.0.0.1:${ingestPort}/ingest`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: lines.slice(i, i + 200).join('\n'),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.rejected ?? [], [], 'every record accepted');
  }
}

const api = async (path) => (await fetch(`http://127.0.0.1:${dashPort}${path}`)).json();

// The known input and what replay (the same analysis, offline) says about it.
const input = join(work, 'input.ndjson');
const expected = { signals: new Map(), alarms: 0, symbols: new Set(), ticks: new Map() };

before(async () => {
  assert.ok(TICKFLOW, 'TICKFLOW must point at the tickflow binary');
  mkdirSync(ARTIFACTS, { recursive: true });
  execFileSync(TICKFLOW, ['generate', '--out', input, '--count', '600', '--seed', '11', '--ticks-only']);
  const out = join(work, 'replayed.ndjson'), alarms = join(work, 'alarms.ndjson');
  execFileSync(TICKFLOW, ['replay', '--in', input, '--out', out, '--alarms', alarms, '--no-progress'], { stdio: 'ignore' });
  for (const line of readFileSync(out, 'utf8').trim().split('\n')) {
    const r = JSON.parse(line);
    expected.symbols.add(r.stock_symbol);
    expected.ticks.set(r.stock_symbol, (expected.ticks.get(r.stock_symbol) ?? 0) + 1);
    if (r.signal === 'buy' || r.signal === 'sell') {
      if (!expected.signals.has(r.stock_symbol)) expected.signals.set(r.stock_symbol, []);
      expected.signals.get(r.stock_symbol).push({ time: r.timestamp, signal: r.signal });
    }
  }
  expected.alarms = readFileSync(alarms, 'utf8').trim().split('\n').filter(Boolean).length;

  [ingestPort, dashPort] = [await freePort(), await freePort()];
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => logs.push(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${dashPort}/`);
  await until('the page to go live', () => page.evaluate(() => window.tickflow?.connection === 'live'));
  // With the page open, the known input arrives: everything it shows is live.
  await post(readFileSync(input, 'utf8').trim().split('\n'));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) await stopServer();
  rmSync(work, { recursive: true, force: true });
  const errors = logs.filter((l) => l.startsWith('page error'));
  assert.deepEqual(errors, [], 'no script errors on the page');
});

test('a card per symbol, each with its bars', async () => {
  await until('a card per symbol', () => page.evaluate((n) => document.querySelectorAll('.card').length === n, expected.symbols.size));
  const symbols = await page.$$eval('.card', (cards) => cards.map((c) => c.dataset.symbol));
  assert.deepEqual(symbols, [...expected.symbols].sort());
  await until('all 600 bars', () => page.evaluate(() => [...window.tickflow.state.symbols.values()].reduce((n, v) => n + v.bars.length, 0) === 600));
});

test('markers sit on exactly the bars where replay found the signals', async () => {
  for (const symbol of expected.symbols) {
    const markers = await page.evaluate((s) => window.tickflow.cards.get(s).chart.markers(), symbol);
    const want = expected.signals.get(symbol) ?? [];
    assert.deepEqual(markers.map((m) => [m.time, m.text]), want.map((w) => [w.time, w.signal === 'buy' ? 'B' : 'S']), symbol);
    // Readable without colour: arrows up for buys, down for sells.
    for (const m of markers) assert.equal(m.shape, m.text === 'B' ? 'arrowUp' : 'arrowDown');
  }
});

test('alarms arrive as toasts and in the panel, counted as unread', async () => {
  assert.ok(expected.alarms > 0, 'the known input raises alarms');
  await until('every alarm', () => page.evaluate((n) => window.tickflow.state.alarms.length === n, expected.alarms));
  await until('the panel to list them', () => page.evaluate((n) => document.querySelectorAll('#alarms li').length === n,
    Math.min(100, expected.alarms)));
  assert.equal(await page.textContent('#unread'), String(expected.alarms));
  assert.equal(await page.evaluate(() => window.tickflow.toastsShown), expected.alarms, 'a toast for each');
  assert.ok(await page.locator('.toast').count() > 0, 'toasts on screen');
  await page.click('#ack-all');
  await until('the count to clear', async () => (await page.textContent('#unread')) === '0');
});

test('the summary table shows what /api/summary says', async () => {
  await until('a summary row per symbol', () => page.evaluate((n) => document.querySelectorAll('#summary tbody tr').length === n, expected.symbols.size));
  await sleep(600);  // the last summaries of the input
  const { summaries } = await api('/api/summary');
  const rows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const columns = await page.$$eval('#summary thead th', (ths) => ths.map((th) => th.dataset.col));
  const cell = (row, column) => row[columns.indexOf(column)];
  for (const s of summaries) {
    const row = rows.find((r) => cell(r, 'stock_symbol') === s.stock_symbol);
    assert.ok(row, s.stock_symbol);
    assert.equal(cell(row, 'last'), s.last.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    assert.equal(Number(cell(row, 'buy')), s.signals.buy);
    assert.equal(Number(cell(row, 'sell')), s.signals.sell);
    assert.equal(s.ticks, expected.ticks.get(s.stock_symbol));
    // The rolling window (300 s of record time) holds the latest of the input's ticks, and
    // the Recent column shows its change as the Change column shows the session's.
    assert.ok(s.window.ticks > 0 && s.window.ticks <= s.ticks, `window ${s.window.ticks} of ${s.ticks} ticks`);
    assert.ok(s.window.to_ts - s.window.from_ts <= 300);
    const p = s.window.change_pct;
    const text = Math.abs(p).toFixed(2) + '%';
    assert.equal(cell(row, 'window_change_pct'), p > 0 ? '+' + text : p < 0 ? '\u2212' + text : text);
  }
  // Sorting by a column reorders the rows.
  await page.click('#summary th[data-col="change_pct"]');
  await page.click('#summary th[data-col="change_pct"]');
  const order = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => tr.dataset.symbol));
  const want = [...summaries].sort((a, b) => b.change_pct - a.change_pct).map((s) => s.stock_symbol);
  assert.deepEqual(order, want);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });
});

test('record text is shown as text, never run as HTML', async () => {
  const symbol = [...expected.symbols][0];
  const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  await post([JSON.stringify({ data_type: 'news_sentiment', stock_symbol: symbol, headline: hostile, sentiment_score: 0.9,
    sentiment_magnitude: 0.9, news_type: 'earnings', timestamp: Date.now() / 1000 })]);
  await until('the news', () => page.evaluate((s) => window.tickflow.state.symbols.get(s)?.news?.headline, symbol));
  await page.click(`.card[data-symbol="${symbol}"]`);
  await page.waitForSelector('#detail[open]');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.ok((await page.textContent('#detail-news')).includes(hostile));
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-detail.png') });
  await page.click('#detail-close');
});

test('thresholds changed in the page change the next signals', async () => {
  await page.click('#thresholds-open');
  await page.fill('#thresholds-fields input[name="rsi_buy_below"]', '49.5');
  await page.fill('#thresholds-fields input[name="rsi_sell_above"]', '50.5');
  await page.click('#thresholds-apply');
  await until('the change', async () => (await page.textContent('#thresholds-result')) === 'Applied.');
  await page.click('#thresholds button[value="cancel"]');
  assert.deepEqual(await page.evaluate(() => window.tickflow.bands()), { buy: 49.5, sell: 50.5 });
  // A bad value is refused with the field named.
  const refused = await fetch(`http://127.0.0.1:${dashPort}/api/thresholds`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"rsi_buy_below": 99}',
  });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).field, 'rsi_buy_below');
  // More ticks: RSI signals now name the new levels.
  const more = join(work, 'more.ndjson');
  execFileSync(TICKFLOW, ['generate', '--out', more, '--count', '400', '--seed', '12', '--ticks-only']);
  const lines = readFileSync(more, 'utf8').trim().split('\n').map((l) => {
    const r = JSON.parse(l);
    r.timestamp += 86400;  // after the first input
    return JSON.stringify(r);
  });
  await post(lines);
  await until('signals at the new levels', async () => {
    const { signals } = await api('/api/signals');
    return signals.some((s) => /RSI [\d.]+ (≤ 49\.5|≥ 50\.5)/.test(s.signal_reason));
  });
  const { signals } = await api('/api/signals');
  // Once the new records come in, no RSI signal uses the old levels.
  const first = JSON.parse(lines[0]).timestamp;
  const after = signals.filter((s) => s.timestamp >= first && /^(strong: )?RSI/.test(s.signal_reason));
  assert.ok(after.length > 0);
  for (const s of after) assert.doesNotMatch(s.signal_reason, /RSI [\d.]+ (≤ 30|≥ 70)\b/, s.signal_reason);
});

test('a server restart: the page reconnects and shows no gap and no duplicate', async () => {
  const before = await page.evaluate(() => Object.fromEntries([...window.tickflow.state.symbols].map(([s, v]) => [s, v.bars.map((b) => b.time)])));
  await stopServer();
  await until('the page to notice', () => page.evaluate(() => window.tickflow.connection === 'reconnecting'));
  await startServer();
  await until('the page to be live again', () => page.evaluate(() => window.tickflow.connection === 'live'), 40000);
  await sleep(500);
  const afterRestart = await page.evaluate(() => Object.fromEntries([...window.tickflow.state.symbols].map(([s, v]) => [s, v.bars.map((b) => b.time)])));
  for (const [symbol, times] of Object.entries(before)) {
    const now = afterRestart[symbol];
    assert.ok(now, symbol);
    // The history the server rebuilt from its data dir: the same bars, each once, in order.
    const { bars } = await api(`/api/history?symbol=${symbol}`);
    assert.deepEqual(now, bars.map((b) => b.timestamp), `${symbol}: page equals the server's history`);
    // Every bar the page had before the restart (within the history kept) is still there.
    const kept = new Set(now);
    const lost = times.filter((t) => t >= now[0] && !kept.has(t));
    assert.deepEqual(lost, [], `${symbol}: no gap`);
    assert.equal(new Set(now).size, now.length, `${symbol}: no duplicate`);
  }
  // And live data keeps coming after the restart.
  const symbol = Object.keys(before)[0];
  const last = afterRestart[symbol].at(-1);
  await post([JSON.stringify({ data_type: 'stock', stock_symbol: symbol, opening_price: 100, closing_price: 101,
    high: 102, low: 99, volume: 1000, timestamp: last + 1 })]);
  await until('the new bar', () => page.evaluate(([s, t]) => window.tickflow.state.symbols.get(s).bars.at(-1).time === t, [symbol, last + 1]));
});
