// The error a deployment package is refused with. It is a NanolambdaError
// (so apiErrorFromInvoke maps it by code) and also names the Lambda exception
// and status directly, for an HTTP layer that answers CreateFunction and
// UpdateFunctionCode without going through the invoke mapping.
import { NanolambdaError } from '../../errors';

export type PackageExceptionName = 'InvalidParameterValueException' | 'RequestEntityTooLargeException';

export class PackageError extends NanolambdaError {
  /** x-amzn-ErrorType for the response. */
  readonly exceptionName: PackageExceptionName;
  readonly statusCode: 400 | 413;
  /** The zip entry at fault, as its raw name decoded (absent for whole-zip problems). */
  readonly entry: string | undefined;

  constructor(message: string, options: { entry?: string; tooLarge?: boolean } = {}) {
    super(options.tooLarge ? 'PAYLOAD_TOO_LARGE' : 'INVALID_PARAMETER', message);
    this.name = 'PackageError';
    this.exceptionName = options.tooLarge ? 'RequestEntityTooLargeException' : 'InvalidParameterValueException';
    this.statusCode = options.tooLarge ? 413 : 400;
    this.entry = options.entry;
  }
}

/** Lambda's wording for a zip it cannot read, followed by what exactly is wrong. */
export function corruptZip(detail: string, entry?: string): PackageError {
  const where = entry === undefined ? '' : `entry ${quoteEntry(entry)}: `;
  return new PackageError(
    `Could not unzip uploaded file: ${where}${detail}. Please check your file, then try to upload again.`,
    entry === undefined ? {} : { entry },
  );
}

/** A readable zip whose content we refuse (an unsafe path, a link, a device, a wrong binary). */
export function refusedEntry(entry: string, problem: string): PackageError {
  return new PackageError(`Deployment package entry ${quoteEntry(entry)} ${problem}`, { entry });
}

/** JSON quoting shows control characters and NULs instead of printing them raw. */
export function quoteEntry(name: string): string {
  return JSON.stringify(name);
}
