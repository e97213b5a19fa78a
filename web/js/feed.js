// The page's state, built from the server's messages: the bars per symbol with their
// indicators and signals, the signal feed, alarms (with unread count, acknowledgements and
// per-symbol mutes), notifications, summaries, order book, news, market data and economic
// indicators. Pure: no DOM, no network, so node's test runner exercises it.
//
// Messages carry a cursor; one at or below the last seen is a duplicate (a resumed
// connection can repeat a few) and is ignored. A snapshot replaces everything.

export const LIMITS = { bars: 500, signals: 300, alarms: 200, notifications: 200 };

export function createState(limits = LIMITS) {
  return {
    limits,
    epoch: null,
    cursor: 0,
    symbols: new Map(),      // symbol → SymbolView
    signals: [],             // newest last
    alarms: [],              // newest last: {id, data, acked}
    notifications: new Map(),// alarm_id + channel → data
    summaries: new Map(),    // symbol → summary
    economic: new Map(),     // indicator name → data
    muted: new Set(),
    unread: 0,
    // What changed since the last render (the page draws once per animation frame).
    dirty: { symbols: new Set(), reset: false, signals: false, alarms: false, notifications: false, summaries: false, economic: false },
    toasts: [],              // alarms to announce
    latencyMs: null,
    duplicates: 0,
  };
}

function symbolView() {
  return { bars: [], orderBook: null, news: null, marketData: null };
}

// A tick record → a bar. Times must rise strictly for the chart: a bar at or before the
// last one is the same bar again (replaced when it is the same seq, else dropped).
export function toBar(d) {
  return {
    time: d.timestamp,
    open: d.opening_price,
    high: d.high,
    low: d.low,
    close: d.closing_price,
    volume: d.volume,
    ma: d.ma ?? null,
    ema: d.ema ?? null,
    rsi: d.rsi ?? null,
    signal: d.signal ?? 'neutral',
    reason: d.signal_reason ?? '',
    seq: d.seq ?? null,
  };
}

function view(state, symbol) {
  let v = state.symbols.get(symbol);
  if (!v) {
    v = symbolView();
    state.symbols.set(symbol, v);
  }
  return v;
}

function addBar(state, symbol, data) {
  const v = view(state, symbol);
  const bar = toBar(data);
  if (!Number.isFinite(bar.time) || !Number.isFinite(bar.close)) return;
  const last = v.bars[v.bars.length - 1];
  if (last && bar.time <= last.time) {
    if (bar.seq !== null && bar.seq === last.seq) v.bars[v.bars.length - 1] = bar;
    else state.duplicates++;
  } else {
    v.bars.push(bar);
    if (v.bars.length > state.limits.bars) v.bars.splice(0, v.bars.length - state.limits.bars);
  }
  state.dirty.symbols.add(symbol);
}

function pushLimited(list, item, limit) {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

function addAlarm(state, data, live) {
  if (state.alarms.some((a) => a.id === data.alarm_id)) return;
  pushLimited(state.alarms, { id: data.alarm_id, data, acked: !live }, state.limits.alarms);
  if (live && !state.muted.has(data.stock_symbol)) {
    state.unread++;
    state.toasts.push(data);
  }
  state.dirty.alarms = true;
}

function addNotification(state, data) {
  state.notifications.set(`${data.alarm_id}\n${data.channel}`, data);
  if (state.notifications.size > state.limits.notifications) {
    state.notifications.delete(state.notifications.keys().next().value);
  }
  state.dirty.notifications = true;
}

function applySnapshot(state, s) {
  const fresh = createState(state.limits);
  fresh.muted = state.muted;
  fresh.latencyMs = state.latencyMs;
  Object.assign(state, fresh);
  state.epoch = s.epoch;
  state.cursor = s.cursor;
  for (const [symbol, sv] of Object.entries(s.symbols ?? {})) {
    for (const bar of sv.bars ?? []) addBar(state, symbol, bar);
    const v = view(state, symbol);
    v.orderBook = sv.order_book ?? null;
    v.news = sv.news ?? null;
    v.marketData = sv.market_data ?? null;
  }
  for (const sig of s.signals ?? []) pushLimited(state.signals, sig, state.limits.signals);
  for (const a of s.alarms ?? []) addAlarm(state, a, false);
  for (const n of s.notifications ?? []) addNotification(state, n);
  for (const sum of s.summaries ?? []) state.summaries.set(sum.stock_symbol, sum);
  for (const e of s.economic ?? []) state.economic.set(e.indicator_name, e);
  state.dirty = { symbols: new Set(state.symbols.keys()), reset: true, signals: true, alarms: true, notifications: true, summaries: true, economic: true };
}

// Applies one message (or a batch: an array of them). Returns false for what it ignored.
export function applyMessage(state, message) {
  if (Array.isArray(message)) {
    let any = false;
    for (const m of message) any = applyMessage(state, m) || any;
    return any;
  }
  if (!message || typeof message !== 'object') return false;
  switch (message.type) {
    case 'snapshot':
      applySnapshot(state, message);
      return true;
    case 'pong':
    case 'resync':
    case 'error':
      return false;
  }
  if (typeof message.cursor === 'number') {
    if (message.cursor <= state.cursor) {
      state.duplicates++;
      return false;
    }
    state.cursor = message.cursor;
  }
  const d = message.data ?? {};
  const symbol = message.symbol;
  switch (message.type) {
    case 'tick':
      addBar(state, symbol, d);
      return true;
    case 'signal':
      pushLimited(state.signals, d, state.limits.signals);
      state.dirty.signals = true;
      return true;
    case 'alarm':
      addAlarm(state, d, true);
      return true;
    case 'notification':
      addNotification(state, d);
      return true;
    case 'summary':
      state.summaries.set(symbol, d);
      state.dirty.summaries = true;
      return true;
    case 'order_book':
      view(state, symbol).orderBook = d;
      state.dirty.symbols.add(symbol);
      return true;
    case 'news':
      view(state, symbol).news = d;
      state.dirty.symbols.add(symbol);
      return true;
    case 'market_data':
      view(state, symbol).marketData = d;
      state.dirty.symbols.add(symbol);
      return true;
    case 'economic_indicator':
      state.economic.set(symbol, d);
      state.dirty.economic = true;
      return true;
    default:
      return false;
  }
}

// Hands over what changed since the last call and starts a new round.
export function takeDirty(state) {
  const d = state.dirty;
  state.dirty = { symbols: new Set(), reset: false, signals: false, alarms: false, notifications: false, summaries: false, economic: false };
  return d;
}

export function acknowledge(state, alarmId) {
  const a = state.alarms.find((x) => x.id === alarmId);
  if (a && !a.acked) {
    a.acked = true;
    state.unread = Math.max(0, state.unread - 1);
    state.dirty.alarms = true;
  }
}

export function acknowledgeAll(state) {
  for (const a of state.alarms) a.acked = true;
  state.unread = 0;
  state.dirty.alarms = true;
}

export function toggleMute(state, symbol) {
  if (state.muted.has(symbol)) state.muted.delete(symbol);
  else state.muted.add(symbol);
  state.dirty.alarms = true;
}

// The signals shown in the feed, newest first, filtered by symbol and side ('' = all).
export function filteredSignals(state, symbol, side) {
  const out = [];
  for (let i = state.signals.length - 1; i >= 0; i--) {
    const s = state.signals[i];
    if (symbol && s.stock_symbol !== symbol) continue;
    if (side && s.signal !== side) continue;
    out.push(s);
  }
  return out;
}

// Sorts summaries by a column; numbers numerically, text alphabetically.
export function sortedSummaries(state, column, descending) {
  const rows = [...state.summaries.values()];
  const key = (r) => (column === 'buy' ? r.signals?.buy : column === 'sell' ? r.signals?.sell
    : column === 'hit_rate' ? r.signal_perf?.buy?.hit_rate : column === 'window_change_pct' ? r.window?.change_pct : r[column]);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const c = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : (x ?? -Infinity) - (y ?? -Infinity);
    return descending ? -c : c;
  });
  return rows;
}
