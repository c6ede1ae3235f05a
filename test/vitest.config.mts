import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/fast-check-seed.ts'],
    // Generous: they only end a hung test, and on a loaded 2-core machine three CDK synths in one
    // beforeAll, a sandbox start in another, or 1,500 fuzz requests took over 30 s.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    unstubEnvs: true,
    restoreMocks: true,
  },
});
