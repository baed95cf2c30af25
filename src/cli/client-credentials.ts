// The keys nanolambda's own clients sign with (`nanolambda invoke`, the demo,
// the benchmarks): AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when set, as
// every AWS tool does; else the gateway's own keys from the group's state
// directory, readable by the user who runs the gateway.
import { loadCredentials } from '../system/credentials';

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export function signingKeyFor(stateDir: string | undefined, env: NodeJS.ProcessEnv = process.env): SigningKey | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (stateDir === undefined) return undefined;
  try {
    return loadCredentials(stateDir)?.keys[0];
  } catch {
    return undefined; // unreadable or refused: the request goes unsigned and the 403 says what to do
  }
}
