// Which kind of worker runs a function, from its Lambda runtime identifier:
//   arn:aws:greengrass:::runtime/function/executable   a C executable on the native channel
//   python3.x                                          nanolambda's Python runtime (runtimes/python)
//   nodejs*                                            nanolambda's Node.js runtime (runtimes/nodejs)
//   provided, provided.al2, provided.al2023            the code's own `bootstrap`, through the Lambda Runtime API
// Python and Node.js functions name a handler ("module.function",
// "file.export") where executables name their file. Java, .NET and Ruby are
// not run (nanolambda has no runtime for them): a clear error, not a late
// failure.
import { EXECUTABLE_RUNTIME } from '../lambda/store/runtimes';

export type RuntimeKind = 'executable' | 'python' | 'nodejs' | 'provided';

/** The kind, or a sentence saying why this runtime cannot run here. */
export function runtimeKindOf(runtime: string): RuntimeKind | { unsupported: string } {
  if (runtime === EXECUTABLE_RUNTIME) return 'executable';
  if (/^python3\.\d+$/.test(runtime)) return 'python';
  if (/^nodejs\d+(\.\d+)?(\.x)?$/.test(runtime)) return 'nodejs';
  if (/^provided(\.al2|\.al2023)?$/.test(runtime)) return 'provided';
  return {
    unsupported:
      `nanolambda runs C executables (${EXECUTABLE_RUNTIME}), Python 3 (python3.x), Node.js (nodejs*) and custom runtimes ` +
      `(provided, provided.al2, provided.al2023); ${runtime} is not one of them`,
  };
}

/** A handler names "<module or file>.<function or export>": both parts non-empty, no path going up. */
export function handlerProblem(handler: string): string | undefined {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) return 'expected <module>.<function> (Python) or <file>.<export> (Node.js), like "index.handler"';
  if (handler.split('/').some((part) => part === '..') || handler.startsWith('/')) return 'the module must be inside the code, with no ".." and not absolute';
  if (/\s|\0/.test(handler)) return 'a handler has no spaces';
  return undefined;
}
