// Deployment package limits. The sizes are Lambda's documented quotas
// (shared/spec/lambda-api.md §3); the rest bound what a hostile zip can make
// us parse or create. Callers may lower them (a small gateway) and tests do,
// to break them cheaply; raising them past Lambda's is allowed but unwise.

export interface PackageLimits {
  /** Bytes of the zip itself: 50 MB for a direct upload. */
  maxZippedBytes: number;
  /** Bytes of all files once unpacked: 250 MB. */
  maxUnzippedBytes: number;
  /** Central directory entries (files and directories). */
  maxEntries: number;
}

export const LAMBDA_PACKAGE_LIMITS: Readonly<PackageLimits> = Object.freeze({
  maxZippedBytes: 52_428_800,
  maxUnzippedBytes: 262_144_000,
  maxEntries: 100_000,
});

/** Linux NAME_MAX: longer path segments fail at open(2) anyway; we say so first. */
export const MAX_SEGMENT_BYTES = 255;
/** Linux PATH_MAX for an entry's path inside the package (also bounds the depth). */
export const MAX_PATH_BYTES = 4096;
