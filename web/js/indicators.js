// Bollinger bands (20, 2) and MACD (12, 26, 9) over the bars a page holds, for the detail
// view. The pipeline's own indicators (ma, ema, rsi) come computed with each bar; these
// two are drawn from the closes at hand: the standard definitions (population standard
// deviation; EMAs seeded with the SMA of their first n values). Pure.

export function bollinger(closes, period = 20, k = 2) {
  const out = closes.map(() => null);
  let sum = 0, sumSq = 0;
  for (let i = 0; i < closes.length; i++) {
    sum += closes[i];
    sumSq += closes[i] * closes[i];
    if (i >= period) {
      sum -= closes[i - period];
      sumSq -= closes[i - period] * closes[i - period];
    }
    if (i >= period - 1) {
      const mean = sum / period;
      const sd = Math.sqrt(Math.max(0, sumSq / period - mean * mean));
      out[i] = { middle: mean, upper: mean + k * sd, lower: mean - k * sd };
    }
  }
  return out;
}

export function ema(values, period) {
  const out = values.map(() => null);
  let seed = 0, count = 0, last = null;
  const alpha = 2 / (period + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (last === null) {
      seed += v;
      if (++count === period) last = seed / period, out[i] = last;
    } else {
      last = alpha * v + (1 - alpha) * last;
      out[i] = last;
    }
  }
  return out;
}

export function macd(closes, fast = 12, slow = 26, signalPeriod = 9) {
  const f = ema(closes, fast), s = ema(closes, slow);
  const line = closes.map((_, i) => (f[i] !== null && s[i] !== null ? f[i] - s[i] : null));
  const signal = ema(line, signalPeriod);
  return line.map((m, i) => (m === null || signal[i] === null ? null : { macd: m, signal: signal[i], histogram: m - signal[i] }));
}
