// execa 9 and its dependencies are ESM-only; Jest 30 on Node 20 must transform them.
const esm = [
  'execa', '@sindresorhus/merge-streams', 'figures', 'is-unicode-supported', 'get-stream',
  '@sec-ant/readable-stream', 'is-stream', 'human-signals', 'is-plain-obj', 'npm-run-path',
  'path-key', 'unicorn-magic', 'pretty-ms', 'parse-ms', 'strip-final-newline', 'yoctocolors',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/e2e', '<rootDir>/bench'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  moduleNameMapper: { '^unicorn-magic$': '<rootDir>/node_modules/unicorn-magic/node.js' },
  testTimeout: 600000,
};
