import { defineConfig } from 'vitest/config';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql: Apollo and graphql-shield must see the same realm.
    alias: { graphql: require.resolve('graphql/index.js') },
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'var/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Stops the run with one line when there is neither redis-server nor TEST_REDIS_URL.
    globalSetup: ['platform/testing/redis-global-setup.ts'],
  },
});
