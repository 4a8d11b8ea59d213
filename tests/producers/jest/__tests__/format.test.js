// Tests of the npm package ms 2.1.3 (MIT); they pass.
const ms = require('ms');

test('formats short', () => {
  expect(ms(60000)).toBe('1m');
});

test('formats long', () => {
  expect(ms(2 * 60000, { long: true })).toBe('2 minutes');
});
