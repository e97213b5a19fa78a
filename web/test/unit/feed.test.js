// The page's message handling without a browser: snapshots, live messages, batches,
// duplicates after a resume, bar order, alarms (unread, mute, ack) and the render's
// dirty sets — the conflation of drawing to one frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createState, applyMessage, takeDirty, acknowledge, acknowledgeAll, toggleMute, filteredSignals, sortedSummaries, toBar } from '../../js/feed.js';

const tick = (symbol, seq, extra = {}) => ({
  data_type: 'stock_tick', stock_symbol: symbol, opening_price: 100, closing_price: 100 + seq, high: 102 + seq, low: 99,
  volume: 1000, timestamp: 1767225600 + seq, seq, ma: null, ema: null, rsi: 50, signal: 'neutral', ...extra,
});
const live = (cursor, type, symbol, data) => ({ type, cursor, symbol, data });

function snapshot(cursor = 10) {
  return {
    type: 'snapshot', epoch: 'e1', cursor,
    symbols: { AAPL: { bars: [tick('AAPL', 1), tick('AAPL', 2)], order_book: null, news: null, market_data: null } },
    signals: [tick('AAPL', 2, { signal: 'buy' })],
    alarms: [{ alarm_id: 'AAPL:2:indicators', stock_symbol: 'AAPL', signal: 'buy', reason: 'RSI', price: 102, timestamp: 1 }],
    notifications: [], summaries: [{ stock_symbol: 'AAPL', last: 102, change_pct: 2 }], economic: [],
  };
}

test('a snapshot replaces everything and marks it all for drawing', () => {
  const s = createState();
  applyMessage(s, live(1, 'tick', 'MSFT', tick('MSFT', 1)));
  applyMessage(s, snapshot());
  assert.equal(s.epoch, 'e1');
  assert.equal(s.cursor, 10);
  assert.deepEqual([...s.symbols.keys()], ['AAPL']);
  assert.equal(s.symbols.get('AAPL').bars.length, 2);
  assert.equal(s.unread, 0, 'alarms from before the page opened are not news');
  const d = takeDirty(s);
  assert.ok(d.reset);
  assert.deepEqual([...d.symbols], ['AAPL']);
});

test('live messages and batches extend the state; a new symbol appears by itself', () => {
  const s = createState();
  applyMessage(s, snapshot());
  takeDirty(s);
  applyMessage(s, [live(11, 'tick', 'AAPL', tick('AAPL', 3)), live(12, 'tick', 'TSLA', tick('TSLA', 1)),
    live(13, 'summary', 'TSLA', { stock_symbol: 'TSLA', last: 1 })]);
  assert.equal(s.symbols.get('AAPL').bars.length, 3);
  assert.ok(s.symbols.has('TSLA'));
  const d = takeDirty(s);
  assert.deepEqual([...d.symbols].sort(), ['AAPL', 'TSLA']);
  assert.ok(d.summaries);
  assert.equal(takeDirty(s).symbols.size, 0, 'nothing left to draw after a frame');
});

test('messages at or below the cursor are duplicates and change nothing', () => {
  const s = createState();
  applyMessage(s, snapshot(10));
  assert.equal(applyMessage(s, live(10, 'tick', 'AAPL', tick('AAPL', 9))), false);
  assert.equal(applyMessage(s, live(9, 'alarm', 'AAPL', { alarm_id: 'x', stock_symbol: 'AAPL' })), false);
  assert.equal(s.symbols.get('AAPL').bars.length, 2);
  assert.equal(s.duplicates, 2);
});

test('a bar at or before the last one is not drawn twice', () => {
  const s = createState();
  applyMessage(s, live(1, 'tick', 'A', tick('A', 5)));
  applyMessage(s, live(2, 'tick', 'A', tick('A', 4)));
  applyMessage(s, live(3, 'tick', 'A', { ...tick('A', 5), closing_price: 999 }));
  const bars = s.symbols.get('A').bars;
  assert.equal(bars.length, 1);
  assert.equal(bars[0].close, 999, 'the same seq again replaces the bar');
});

test('bars are bounded per symbol', () => {
  const s = createState({ bars: 3, signals: 10, alarms: 10, notifications: 10 });
  for (let i = 1; i <= 10; i++) applyMessage(s, live(i, 'tick', 'A', tick('A', i)));
  assert.deepEqual(s.symbols.get('A').bars.map((b) => b.seq), [8, 9, 10]);
});

test('live alarms count as unread, toast once, respect mutes and acknowledgements', () => {
  const s = createState();
  applyMessage(s, snapshot());
  applyMessage(s, live(11, 'alarm', 'AAPL', { alarm_id: 'AAPL:3:news', stock_symbol: 'AAPL', signal: 'sell' }));
  applyMessage(s, live(12, 'alarm', 'AAPL', { alarm_id: 'AAPL:3:news', stock_symbol: 'AAPL', signal: 'sell' }));
  assert.equal(s.unread, 1);
  assert.equal(s.toasts.length, 1);
  toggleMute(s, 'MSFT');
  applyMessage(s, live(13, 'alarm', 'MSFT', { alarm_id: 'MSFT:1:news', stock_symbol: 'MSFT', signal: 'buy' }));
  assert.equal(s.unread, 1, 'a muted symbol raises no alarm noise');
  assert.equal(s.alarms.length, 3, 'but it is listed');
  acknowledge(s, 'AAPL:3:news');
  assert.equal(s.unread, 0);
  applyMessage(s, live(14, 'alarm', 'TSLA', { alarm_id: 'TSLA:1:news', stock_symbol: 'TSLA', signal: 'buy' }));
  acknowledgeAll(s);
  assert.equal(s.unread, 0);
});

test('the signal feed filters by symbol and side, newest first', () => {
  const s = createState();
  applyMessage(s, [live(1, 'signal', 'A', tick('A', 1, { signal: 'buy' })), live(2, 'signal', 'B', tick('B', 1, { signal: 'sell' })),
    live(3, 'signal', 'A', tick('A', 2, { signal: 'sell' }))]);
  assert.deepEqual(filteredSignals(s, '', '').map((x) => x.seq), [2, 1, 1]);
  assert.deepEqual(filteredSignals(s, 'A', '').map((x) => x.signal), ['sell', 'buy']);
  assert.deepEqual(filteredSignals(s, '', 'sell').map((x) => x.stock_symbol), ['A', 'B']);
});

test('summaries sort by any column', () => {
  const s = createState();
  applyMessage(s, [live(1, 'summary', 'B', { stock_symbol: 'B', change_pct: 5, signals: { buy: 1 }, window: { change_pct: -2 } }),
    live(2, 'summary', 'A', { stock_symbol: 'A', change_pct: -1, signals: { buy: 3 }, window: { change_pct: 0.5 } })]);
  assert.deepEqual(sortedSummaries(s, 'stock_symbol', false).map((r) => r.stock_symbol), ['A', 'B']);
  assert.deepEqual(sortedSummaries(s, 'change_pct', true).map((r) => r.stock_symbol), ['B', 'A']);
  assert.deepEqual(sortedSummaries(s, 'buy', true).map((r) => r.stock_symbol), ['A', 'B']);
  assert.deepEqual(sortedSummaries(s, 'window_change_pct', true).map((r) => r.stock_symbol), ['A', 'B']);
});

test('hostile or broken messages are ignored without throwing', () => {
  const s = createState();
  for (const m of [null, 42, 'x', {}, { type: 'tick' }, { type: 'tick', cursor: 1, symbol: 'A', data: { timestamp: 'soon' } },
    { type: 'nonsense', cursor: 2 }, [null, { type: 'resync' }]]) {
    assert.doesNotThrow(() => applyMessage(s, m));
  }
  assert.equal(s.symbols.get('A')?.bars.length ?? 0, 0);
});

test('a tick record becomes a bar with its indicators and signal', () => {
  const bar = toBar(tick('A', 1, { ma: 101, ema: 100.5, rsi: 27.9, signal: 'buy', signal_reason: 'RSI 27.9 ≤ 30' }));
  assert.deepEqual(bar, { time: 1767225601, open: 100, high: 103, low: 99, close: 101, volume: 1000, ma: 101, ema: 100.5, rsi: 27.9, signal: 'buy', reason: 'RSI 27.9 ≤ 30', seq: 1 });
});
