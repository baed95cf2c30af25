// The master key must live apart from the encrypted store it protects: a
// copy, backup or leak of the state directory must not carry both, or the
// encryption at rest would protect nothing.
import { realPathOf } from '../config/container-exposure';

/**
 * Why `keyFile` may not be used with a store in `stateDir`, or undefined when
 * it may. Symbolic links are resolved as far as the paths exist, so a link
 * into the state directory is caught too.
 */
export function keyPlacementProblem(keyFile: string, stateDir: string): string | undefined {
  const key = realPathOf(keyFile);
  const state = realPathOf(stateDir);
  if (key === state || key.startsWith(state.endsWith('/') ? state : `${state}/`)) {
    return (
      `the secret key file ${keyFile} is inside the state directory ${stateDir}, which holds the secrets it encrypts: ` +
      'keep the key apart from the store (set Nanolambda.SecretKeyFile to a path outside Nanolambda.StateDir)'
    );
  }
  return undefined;
}
