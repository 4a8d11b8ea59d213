// Tests of the npm package ms 2.1.3 (MIT); they pass.
const ms = require('ms');

test('parses short units', () => {
  expect(ms('2h')).toBe(7200000);
  expect(ms('1d')).toBe(86400000);
});

test('parses long units', () => {
  expect(ms('2 days')).toBe(172800000);
});

test('rejects an empty string', () => {
  expect(() => ms('')).toThrow('val is not a non-empty string or a valid number');
});
