// This file fails to load: ms 2.1.3 has no module 'ms/long' (it has only index.js).
const long = require('ms/long');

test('formats hours in long form', () => {
  expect(long(3600000)).toBe('1 hour');
});
