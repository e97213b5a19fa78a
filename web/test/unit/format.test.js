// Numbers for people: grouping, signs, compact volumes, missing values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fmt from '../../js/format.js';

test('prices', () => {
  assert.equal(fmt.price(187.42), '187.42');
  assert.equal(fmt.price(12345.6), '12,345.60');
  assert.equal(fmt.price(0.012345), '0.01235');
  assert.equal(fmt.price(null), '—');
  assert.equal(fmt.price(NaN), '—');
});

test('percentages carry their sign', () => {
  assert.equal(fmt.percent(1.234), '+1.23%');
  assert.equal(fmt.percent(-0.5), '\u22120.50%');
  assert.equal(fmt.percent(0), '0.00%');
});

test('volumes are compact', () => {
  assert.equal(fmt.volume(1234567), '1.2M');
  assert.equal(fmt.volume(950), '950');
});

test('ratios and indicators', () => {
  assert.equal(fmt.ratio(0.625), '63%');
  assert.equal(fmt.indicator(27.94), '27.9');
  assert.equal(fmt.indicator(undefined), '—');
});
