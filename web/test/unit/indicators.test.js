// Bollinger and MACD for the detail view, against values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bollinger, ema, macd } from '../../js/indicators.js';

test('bollinger: population deviation around the SMA', () => {
  const out = bollinger([2, 4, 4, 4, 5, 5, 7, 9], 8, 2);
  assert.equal(out[6], null);
  assert.equal(out[7].middle, 5);
  assert.equal(out[7].upper, 9); // sd = 2
  assert.equal(out[7].lower, 1);
});

test('ema: seeded with the SMA of the first n values', () => {
  const out = ema([1, 2, 3, 4], 3);
  assert.deepEqual(out.slice(0, 2), [null, null]);
  assert.equal(out[2], 2);
  assert.equal(out[3], 3); // 0.5 * 4 + 0.5 * 2
});

test('macd: warms up after slow + signal - 1 values, histogram = macd - signal', () => {
  const closes = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5);
  const out = macd(closes);
  assert.equal(out[32], null);
  assert.notEqual(out[33], null);
  const last = out[59];
  assert.ok(Math.abs(last.histogram - (last.macd - last.signal)) < 1e-12);
});
