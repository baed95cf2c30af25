// The local HTTP endpoint (Lambda Invoke and the management API): who may
// call it, and what the management API reaches through the runtime.
import { startInvokeServer, type InvokeServer } from '../api/invoke-server';
import type { ManagementContext } from '../api/management-api';
import { SigV4Verifier } from '../api/sigv4/verifier';
import { isLoopback } from '../config/loopback';
import type { GroupConfig } from '../config/types';
import { NanolambdaError } from '../errors';
import type { EventSourceManager } from '../event-sources/event-source-manager';
import type { Invoker } from '../invoke-types';
import type { LambdaApiHost } from '../lambda/lambda-api-host';
import { loadOrCreateCredentials } from '../system/credentials';

export interface ManagementParts {
  lambdaApi: LambdaApiHost;
  /** The deployed group file's definition (a deployment replaces it). */
  fileGroup(): GroupConfig;
  /** Run what the Lambda API's store holds now. */
  redeployApiFunctions(): Promise<void>;
  eventSources: EventSourceManager;
}

/** Start the endpoint; where its access keys are, when it verifies SigV4. */
export async function startEndpoint(
  invoker: Invoker,
  http: { host: string; port: number },
  group: GroupConfig,
  parts: ManagementParts,
): Promise<{ server: InvokeServer; credentialsFile: string | undefined }> {
  const management = managementContext(parts);
  const auth = endpointAuth(group, http.host);
  const server = await startInvokeServer(invoker, { ...http, management, auth: auth.verifier });
  return { server, credentialsFile: auth.credentialsFile };
}

/**
 * SigV4 against the gateway's access keys (created on first start in
 * <StateDir>/credentials.json, 0600; `nanolambda credentials` shows them),
 * unless the group says Http.Auth "None", which only a loopback host may.
 */
function endpointAuth(group: GroupConfig, host: string): { verifier: SigV4Verifier | undefined; credentialsFile: string | undefined } {
  if (group.httpAuth === 'None') {
    if (!isLoopback(host)) {
      throw new NanolambdaError('INVALID_PARAMETER', `Http.Auth "None" is for a loopback host only, and the endpoint would listen on ${host}`);
    }
    return { verifier: undefined, credentialsFile: undefined };
  }
  const credentials = loadOrCreateCredentials(group.stateDir);
  return { verifier: new SigV4Verifier({ secretOf: credentials.secretOf }), credentialsFile: credentials.file };
}

function managementContext(parts: ManagementParts): ManagementContext {
  return {
    store: () => parts.lambdaApi.store(),
    codeDir: parts.lambdaApi.codeDir,
    groupNames: () => new Set(parts.fileGroup().functions.map((fn) => fn.name)),
    changed: async () => {
      await parts.redeployApiFunctions();
      void parts.lambdaApi.collectPackages(); // what no pool ran (a function that cannot run here) goes at once
    },
    eventSources: parts.eventSources,
  };
}
