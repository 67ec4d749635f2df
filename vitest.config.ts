import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql ships both .mjs and .js; Node loads the .js build for dependencies (Pothos, Yoga), so source code
  // must get the same one, or graphql sees two copies of its own types.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // Each test file gets its own module graph, hence its own database (see test/setup.ts).
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
