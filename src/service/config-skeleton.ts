// The group file `nanolambda service install` writes when none exists: no
// functions yet, the runtime's directories where the unit expects them, and
// the Invoke API on loopback only.
import { DEFAULT_HTTP } from '../config/nanolambda-section';

export function configSkeleton(stateDir: string, logDir: string): object {
  return {
    FunctionDefinitionVersion: { Functions: [] },
    SubscriptionDefinitionVersion: { Subscriptions: [] },
    Nanolambda: {
      Code: {},
      StateDir: stateDir,
      LogDir: logDir,
      Http: { Host: DEFAULT_HTTP.host, Port: DEFAULT_HTTP.port },
    },
  };
}
