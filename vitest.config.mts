import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes, real compilers: give them time, and run files in
    // separate processes so a crash in one never hides another's result.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: benchmarks-style spinning in parallel files would starve.
    fileParallelism: false,
    reporters: ['default'],
  },
});
