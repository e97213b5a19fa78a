// Writes tests/data/indicators/<case>.json: input series and TA-Lib's outputs for SMA, EMA,
// RSI, MACD, Bollinger bands and ATR, aligned to the input (null before warm-up).
// TA-Lib is the reference traders check against; the C++ tests must match it to 1e-9.
//
// Usage (see README.md in this folder): node make_indicator_reference.js ../../tests/data/indicators
'use strict';
const fs = require('fs');
const path = require('path');
const talib = require('talib');

// Small deterministic PRNG (mulberry32) so the series are the same on every run.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(rand) {
  const u = Math.max(rand(), 1e-12), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// OHLC bars whose closes walk geometrically; `shock(i)` multiplies the price at bar i.
function walk({ n, seed, start, sigma, shock = () => 1 }) {
  const rand = prng(seed);
  const high = [], low = [], close = [];
  let price = start;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = price * Math.exp(sigma * normal(rand)) * shock(i);
    close.push(price);
    high.push(Math.max(open, price) * (1 + Math.abs(normal(rand)) * sigma / 2));
    low.push(Math.min(open, price) * (1 - Math.abs(normal(rand)) * sigma / 2));
  }
  return { high, low, close };
}
function fromCloses(close) {
  return { high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close };
}

const defaults = { sma: 20, ema: 12, rsi: 14, macd_fast: 12, macd_slow: 26, macd_signal: 9, bb: 20, bb_k: 2, atr: 14 };
const short = { sma: 5, ema: 5, rsi: 5, macd_fast: 3, macd_slow: 6, macd_signal: 4, bb: 5, bb_k: 1.5, atr: 5 };

const cases = [
  ['random_walk', walk({ n: 400, seed: 1, start: 187.42, sigma: 0.01 }), defaults],
  ['random_walk_short_periods', walk({ n: 120, seed: 2, start: 42.5, sigma: 0.02 }), short],
  ['gaps', walk({ n: 150, seed: 3, start: 100, sigma: 0.01, shock: (i) => (i === 40 ? 1.5 : i === 90 ? 0.5 : i === 120 ? 1.2 : 1) }), defaults],
  ['flat', fromCloses(Array(60).fill(100)), defaults],
  ['flat_then_moving', fromCloses([...Array(30).fill(50), ...walk({ n: 40, seed: 4, start: 50, sigma: 0.01 }).close]), defaults],
  ['falling', fromCloses(Array.from({ length: 50 }, (_, i) => 200 - i * 1.25)), defaults],
  ['rising', fromCloses(Array.from({ length: 50 }, (_, i) => 10 + i * 0.5)), defaults],
  ['tiny_prices', walk({ n: 80, seed: 5, start: 0.00012, sigma: 0.01 }), defaults],
  ['large_prices', walk({ n: 80, seed: 6, start: 2.5e6, sigma: 0.005 }), defaults],
  ['warmup_exact_sma', fromCloses(walk({ n: 20, seed: 7, start: 10, sigma: 0.01 }).close), defaults],
  ['warmup_exact_rsi', fromCloses(walk({ n: 15, seed: 8, start: 10, sigma: 0.01 }).close), defaults],
  ['warmup_exact_macd', fromCloses(walk({ n: 34, seed: 9, start: 10, sigma: 0.01 }).close), defaults],
  ['single_value', fromCloses([123.45]), defaults],
  ['alternating', fromCloses(Array.from({ length: 60 }, (_, i) => (i % 2 ? 101 : 99))), defaults],
];

function run(name, inputs, opts, n) {
  const r = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...inputs, ...opts });
  if (r.error) throw new Error(`${name}: ${r.error}`);
  return r;
}
function aligned(n, r, key) {
  const out = Array(n).fill(null);
  (r.result[key] || []).forEach((v, i) => { out[r.begIndex + i] = v; });
  return out;
}

const outDir = process.argv[2];
if (!outDir) { console.error('usage: node make_indicator_reference.js OUT_DIR'); process.exit(2); }
fs.mkdirSync(outDir, { recursive: true });
for (const [name, series, p] of cases) {
  const n = series.close.length;
  const inReal = { inReal: series.close };
  const sma = run('SMA', inReal, { optInTimePeriod: p.sma }, n);
  const ema = run('EMA', inReal, { optInTimePeriod: p.ema }, n);
  const rsi = run('RSI', inReal, { optInTimePeriod: p.rsi }, n);
  const macd = run('MACD', inReal, { optInFastPeriod: p.macd_fast, optInSlowPeriod: p.macd_slow, optInSignalPeriod: p.macd_signal }, n);
  const bb = run('BBANDS', inReal, { optInTimePeriod: p.bb, optInNbDevUp: p.bb_k, optInNbDevDn: p.bb_k, optInMAType: 0 }, n);
  const atr = run('ATR', { high: series.high, low: series.low, close: series.close }, { optInTimePeriod: p.atr }, n);
  const doc = {
    name, reference: 'TA-Lib 0.6.0-dev C library, bundled in npm talib 1.1.6', periods: p,
    high: series.high, low: series.low, close: series.close,
    expect: {
      sma: aligned(n, sma, 'outReal'), ema: aligned(n, ema, 'outReal'), rsi: aligned(n, rsi, 'outReal'),
      macd: aligned(n, macd, 'outMACD'), macd_signal: aligned(n, macd, 'outMACDSignal'), macd_hist: aligned(n, macd, 'outMACDHist'),
      bb_upper: aligned(n, bb, 'outRealUpperBand'), bb_middle: aligned(n, bb, 'outRealMiddleBand'), bb_lower: aligned(n, bb, 'outRealLowerBand'),
      atr: aligned(n, atr, 'outReal'),
    },
  };
  fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(doc) + '\n');
  console.log(`${name}: ${n} bars`);
}
