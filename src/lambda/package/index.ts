// Deployment packages: the zips `aws lambda create-function --zip-file` and
// `update-function-code` upload, checked against Lambda's limits, unpacked
// safely into a content-addressed store, with file modes fixed and
// executables checked against the architecture of the function using them.
//
//   const pkg = await storePackage(`${stateDir}/code`, zipBytes);
//   // pkg.codeSha256, pkg.codeSize -> FunctionConfiguration; pkg.dir -> /var/task
//   packageDir(`${stateDir}/code`, config.CodeSha256);   // later, to run it
//   await deletePackage(`${stateDir}/code`, oldSha);     // when nothing uses it
//   await sweepPackageStore(`${stateDir}/code`);         // once, at startup
//   checkPackageArchitecture(pkg.dir, 'arm64');          // for each function using it
//
// Refusals are PackageError: exceptionName/statusCode give the Lambda error
// (InvalidParameterValueException 400; RequestEntityTooLargeException 413 for
// a zip over 50 MB), and apiErrorFromInvoke maps them by code as well.
// What is refused and why is written where it is decided: zip-end-record and
// zip-directory (structure, Zip64, overlaps, encryption, methods), entry-path
// (names), package-manifest (types, duplicates, sizes), inflate-entry (sizes
// while inflating, CRC), file-mode, package-architecture (which ELF files
// count: src/system/architecture.ts).
export {
  storePackage,
  packageDir,
  packageZip,
  listPackages,
  deletePackage,
  sweepPackageStore,
  hexDigest,
  type StorePackageOptions,
  type StoredPackage,
} from './package-store';
export { checkPackageArchitecture } from './package-architecture';
export { PackageError, type PackageExceptionName } from './package-error';
export { LAMBDA_PACKAGE_LIMITS, type PackageLimits } from './package-limits';
