// Flat config of the throw-away project that run.sh lints: it asks ESLint's default
// parser (espree) to lint TypeScript declaration files, which it cannot parse.
module.exports = [
  {
    files: ['**/*.ts'],
    rules: {
      'no-unused-vars': 'error',
      'no-var': 'error',
    },
  },
];
