import { defineConfig } from 'vitest/config';

// `npm run test:bundle`: the synthesized Lambda bundles run on Node 24 (see README, Testing). Apart
// from `npm test` because it needs a full synth with bundling, which CI already makes.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/bundle/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/bundle/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    unstubEnvs: true,
    restoreMocks: true,
  },
});
