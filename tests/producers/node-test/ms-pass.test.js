// Tests of the npm package ms 2.1.3 (MIT) for node's test runner; all pass.
// run.sh installs ms from its npm tarball next to a copy of this file. See ../README.md.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const ms = require('ms');

test('parses short units', async (t) => {
  await t.test('hours', () => assert.strictEqual(ms('2h'), 7200000));
  await t.test('days', () => assert.strictEqual(ms('1d'), 86400000));
  await t.test('fractions', () => assert.strictEqual(ms('1.5h'), 5400000));
  assert.strictEqual(ms(ms('2h')), '2h');
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
