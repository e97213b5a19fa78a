// Dashboard fan-out: `tickflow run` fed by `tickflow generate` (50 symbols), CLIENTS
// WebSocket clients on /ws (no browser: node's WebSocket). Counts the live messages each
// client receives per second and the delivery latency of tick messages, from ingest's
// receive time (the record's ingest_ts) to the client's arrival, through process, signal
// and the dashboard. Prints one JSON line.
// Usage: node --experimental-websocket web/bench/fanout.mjs TICKFLOW [clients] [rate] [seconds]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const [tickflow, clientCount = '100', rate = '2000', seconds = '20'] = process.argv.slice(2);
const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'tickflow-fanout-'));
const [ingest, dash] = [await freePort(), await freePort()];
const server = spawn(tickflow, ['run', '--generator', 'off', '--data-dir', work, '--ingest.listen', `127.0.0.1:${ingest}`,
  '--dashboard.listen', `127.0.0.1:${dash}`], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${dash}/healthz`).catch(() => null))?.ok; i++) await sleep(100);

let messages = 0, ticks = 0;
const latencies = [];
let measuring = false;
const clients = [];
for (let i = 0; i < Number(clientCount); i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${dash}/ws`, { headers: {} });
  ws.onmessage = (event) => {
    if (!measuring) return;
    const arrived = Date.now() / 1000;
    const m = JSON.parse(event.data);
    if (!Array.isArray(m)) return;
    messages += m.length;
    for (const x of m) {
      if (x.type === 'tick' && x.data?.ingest_ts) {
        ticks++;
        // Sample: keeps memory flat with many clients.
        if (ticks % 7 === 0) latencies.push((arrived - x.data.ingest_ts) * 1000);
      }
    }
  };
  clients.push(ws);
}
await sleep(1000);
const open = clients.filter((c) => c.readyState === WebSocket.OPEN).length;
measuring = true;
const symbols = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(',');
const started = Date.now();
const generator = spawn(tickflow, ['generate', '--url', `http://127.0.0.1:${ingest}/ingest`, '--rate', rate,
  '--duration', seconds, '--symbols', symbols, '--seed', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
generator.stderr.on('data', (d) => { log += d; });
await new Promise((r) => generator.once('exit', r));
await sleep(1000);
measuring = false;
const elapsed = (Date.now() - started) / 1000;
const metrics = await (await fetch(`http://127.0.0.1:${dash}/metrics`)).text();
for (const c of clients) c.close();
server.kill('SIGINT');
await new Promise((r) => server.once('exit', r));
rmSync(work, { recursive: true, force: true });
const pct = (list, p) => { const s = [...list].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const metric = (name) => Number(metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
console.log(JSON.stringify({
  clients: Number(clientCount), open, rate_asked: Number(rate), accepted: Number(log.match(/(\d+) accepted/)?.[1] ?? NaN),
  messages_per_s_all_clients: Math.round(messages / elapsed), messages_per_s_per_client: Math.round(messages / elapsed / open),
  tick_latency_ms: { p50: +pct(latencies, 0.5).toFixed(1), p99: +pct(latencies, 0.99).toFixed(1), samples: latencies.length },
  conflated: metric('tickflow_dashboard_conflated_total'), resyncs: metric('tickflow_dashboard_resyncs_total'),
}));
process.exit(0);
