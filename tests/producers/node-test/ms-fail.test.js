// Tests of the npm package ms 2.1.3 (MIT) for node's test runner; several fail on purpose.
// run.sh installs ms from its npm tarball next to a copy of this file. See ../README.md.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const ms = require('ms');

test('parses short units', async (t) => {
  await t.test('hours', () => assert.strictEqual(ms('2h'), 7200000));
  await t.test('days', () => assert.strictEqual(ms('1d'), 86400000));
  await t.test('fractions', () => assert.strictEqual(ms('1.5h'), 5400000));
  // The parent fails after its three subtests passed: ms rounds 1.5h to "2h".
  assert.strictEqual(ms(ms('1.5h')), '1.5h');
});

test('formats weeks', { todo: 'ms formats in days, not weeks' }, () => {
  assert.strictEqual(ms(ms('1w')), '1w');
});

test('parses long units', () => {
  assert.strictEqual(ms('2 days'), 172800000);
  assert.strictEqual(ms('1 minute'), 60000);
});

test('formats long', () => {
  assert.strictEqual(ms(60000, { long: true }), '1 minute');
  assert.strictEqual(ms(2 * 60000, { long: true }), '2 minutes');
});

test('rejects an empty string', () => {
  assert.throws(() => ms(''), /val is not a non-empty string or a valid number/);
});

test('parses a thousands separator', () => {
  assert.strictEqual(ms('1,000ms'), 1000);
});

test('parses ISO 8601 durations', { skip: 'not supported by ms' }, () => {
  assert.strictEqual(ms('PT1H'), 3600000);
});
