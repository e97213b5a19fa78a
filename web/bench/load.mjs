// Dashboard load: `tickflow run` fed 50 symbols at 10,000 ticks/s for 30 s (by `tickflow
// generate`), one page open in Debian's chromium. Measures the page's frame times (the
// interval between animation frames, Performance API clock) and the server's per-page
// queue (GET /metrics every 500 ms), and prints one JSON line.
// Usage: node web/bench/load.mjs TICKFLOW [seconds] [rate] [symbols]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const [tickflow, seconds = '30', rate = '10000', symbolCount = '50'] = process.argv.slice(2);
const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'tickflow-load-'));
const [ingest, dash] = [await freePort(), await freePort()];
const server = spawn(tickflow, ['run', '--generator', 'off', '--data-dir', work, '--ingest.listen', `127.0.0.1:${ingest}`,
  '--dashboard.listen', `127.0.0.1:${dash}`, '--ingest.threads', '1'], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${dash}/healthz`).catch(() => null))?.ok; i++) await sleep(100);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
await page.goto(`http://127.0.0.1:${dash}/`);
await page.evaluate(() => {
  window.__frames = [];
  let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
});

const symbols = Array.from({ length: Number(symbolCount) }, (_, i) => `S${String(i).padStart(2, '0')}`).join(',');
const generator = spawn(tickflow, ['generate', '--url', `http://127.0.0.1:${ingest}/ingest`, '--rate', rate,
  '--duration', seconds, '--symbols', symbols, '--seed', '5'], { stdio: ['ignore', 'ignore', 'pipe'] });
let generatorLog = '';
generator.stderr.on('data', (d) => { generatorLog += d; });
const metric = (text, name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
let maxQueue = 0, samples = 0;
const started = Date.now();
while (generator.exitCode === null) {
  const text = await (await fetch(`http://127.0.0.1:${dash}/metrics`)).text();
  maxQueue = Math.max(maxQueue, metric(text, 'tickflow_dashboard_max_client_queue'));
  samples++;
  await sleep(500);
}
const elapsed = (Date.now() - started) / 1000;
await sleep(1000);
const metrics = await (await fetch(`http://127.0.0.1:${dash}/metrics`)).text();
const frames = await page.evaluate(() => window.__frames.slice(5));
const drawn = await page.evaluate(() => window.tickflow.frameTimes.slice());
const cards = await page.evaluate(() => document.querySelectorAll('.card').length);
await browser.close();
server.kill('SIGINT');
await new Promise((r) => server.once('exit', r));
rmSync(work, { recursive: true, force: true });

const pct = (list, p) => { const s = [...list].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const accepted = Number(generatorLog.match(/(\d+) accepted/)?.[1] ?? NaN);
console.log(JSON.stringify({
  seconds: Number(seconds), target_rate: Number(rate), symbols: Number(symbolCount), cards,
  records_accepted: accepted, achieved_rate: Math.round(accepted / elapsed),
  frame_interval_ms: { p50: +pct(frames, 0.5).toFixed(1), p95: +pct(frames, 0.95).toFixed(1), p99: +pct(frames, 0.99).toFixed(1), frames: frames.length },
  draw_ms: { p50: +pct(drawn, 0.5).toFixed(2), p95: +pct(drawn, 0.95).toFixed(2) },
  server_max_client_queue: maxQueue, queue_samples: samples,
  conflated: metric(metrics, 'tickflow_dashboard_conflated_total'), resyncs: metric(metrics, 'tickflow_dashboard_resyncs_total'),
}));
