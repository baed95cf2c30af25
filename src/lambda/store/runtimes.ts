// The Runtime values CreateFunction and UpdateFunctionConfiguration accept.
//
// A closed list, as on AWS: a typo ("nodejs20", "python3.12.x") is refused at
// deploy time with the list, instead of failing at the first invoke. It holds
// every identifier of the Lambda families nanolambda can host (Node.js,
// Python 3, Java, .NET, Ruby, custom runtimes) that AWS has published, the
// retired ones included (Greengrass V1 groups still run python3.7,
// nodejs12.x and java8; AWS refuses those for new functions, a local gateway
// has no reason to), plus Greengrass's runtime for native executables.

/** Greengrass V1's runtime for a native executable (a C SDK program): Handler names the executable. */
export const EXECUTABLE_RUNTIME = 'arn:aws:greengrass:::runtime/function/executable';

export const KNOWN_RUNTIMES: readonly string[] = Object.freeze([
  'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x',
  'python3.6', 'python3.7', 'python3.8', 'python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14',
  'java8', 'java8.al2', 'java11', 'java17', 'java21', 'java25',
  'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'dotnet8', 'dotnet10',
  'ruby2.7', 'ruby3.2', 'ruby3.3', 'ruby3.4',
  'provided', 'provided.al2', 'provided.al2023',
  EXECUTABLE_RUNTIME,
]);

const known = new Set(KNOWN_RUNTIMES);

export function isKnownRuntime(runtime: string): boolean {
  return known.has(runtime);
}

/** Lambda's refusal, listing what this gateway accepts. */
export function unknownRuntimeMessage(runtime: string): string {
  const lambdaRuntimes = KNOWN_RUNTIMES.filter((r) => r !== EXECUTABLE_RUNTIME);
  return (
    `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ` +
    `[${lambdaRuntimes.join(', ')}] or be a valid ARN (${EXECUTABLE_RUNTIME} for a native executable)`
  );
}
