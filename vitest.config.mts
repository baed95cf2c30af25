import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/.tmp is scratch space: tests leave symlinks there (to /, to
    // /proc/self) that would otherwise be followed into copies of the suite.
    exclude: [...configDefaults.exclude, 'test/.tmp/**'],
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
