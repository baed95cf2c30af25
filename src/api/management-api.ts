// Lambda's management operations over the function store and the package
// store: what each REST route does with its request and what it answers.
// Every change to what can run is followed by `changed()`, which deploys the
// runtime's group anew (unchanged entries keep their workers). The event
// source mapping operations go to the runtime's EventSourceManager.
//
// A package is stored before the function store sees the request (it needs
// the package's CodeSha256 and, to admit it, the unpacked files), so a
// refused CreateFunction or UpdateFunctionCode removes the package it stored
// again, unless some version uses it (withStoredCode). Packages no version
// uses any more after a successful change are the runtime's to remove
// (src/lambda/package-collector.ts), once no worker runs from them.
import type { ApiError } from './api-error';
import { apiError } from './api-error';
import type { ManagementRoute } from './management-route';
import { NanolambdaError } from '../errors';
import { deletePackage, PackageError, storePackage } from '../lambda/package';
import { exclusively } from '../lambda/package/package-store';
import { LambdaApiError } from '../lambda/store/lambda-api-error';
import type { CodeInfo, FunctionStore } from '../lambda/store/function-store';
import { parseFunctionName } from '../lambda/store/function-name';
import type { EventSourceMappings } from '../event-sources/mapping-api';

export interface ManagementContext {
  store(): FunctionStore;
  /** Where packages are stored (<StateDir>/code). */
  codeDir: string;
  /** Names the group file defines: the API cannot create functions with them. */
  groupNames(): ReadonlySet<string>;
  /** Deploy what the store now holds. */
  changed(): Promise<void>;
  /** The event source mappings (schedules, local buckets); absent: those operations answer 404. */
  eventSources?: EventSourceMappings;
}

export interface ManagementAnswer {
  status: number;
  body?: unknown;
}

/** Lambda's cap on a CreateFunction request (a 50 MB zip, base64, in JSON). */
export const MANAGEMENT_BODY_LIMIT = 70_167_211;

export async function runManagement(route: ManagementRoute, rawBody: Buffer, ctx: ManagementContext): Promise<ManagementAnswer | ApiError> {
  try {
    return await dispatch(route, rawBody, ctx);
  } catch (error) {
    return managementError(error);
  }
}

async function dispatch(route: ManagementRoute, rawBody: Buffer, ctx: ManagementContext): Promise<ManagementAnswer> {
  const mappings = eventSourceMapping(route, rawBody, ctx);
  if (mappings !== undefined) return mappings;
  const store = ctx.store();
  const name = route.functionName ?? '';
  const qualifier = route.query.get('Qualifier') ?? undefined;
  const marker = route.query.get('Marker') ?? undefined;
  const maxItems = route.query.get('MaxItems') ?? undefined;
  switch (route.operation) {
    case 'CreateFunction': {
      const body = jsonBody(rawBody);
      const requested = typeof body.FunctionName === 'string' ? nameOf(body.FunctionName) : '';
      if (ctx.groupNames().has(requested)) {
        throw new LambdaApiError('ResourceConflictException', `Function already exist: ${requested} (the group file defines it)`);
      }
      const zipFile = (body.Code as Record<string, unknown> | undefined)?.ZipFile;
      const config = await withStoredCode(ctx, zipFile, (code) => store.createFunction(body, code));
      await ctx.changed();
      return { status: 201, body: config };
    }
    case 'ListFunctions':
      return { status: 200, body: store.listFunctions(marker, maxItems) };
    case 'GetFunction': {
      const found = store.getFunction(name, qualifier);
      found.Code.Location = `file://${ctx.codeDir}/${Buffer.from(found.Configuration.CodeSha256, 'base64').toString('hex')}.zip`;
      return { status: 200, body: found };
    }
    case 'GetFunctionConfiguration':
      return { status: 200, body: store.getFunctionConfiguration(name, qualifier) };
    case 'UpdateFunctionCode': {
      const body = jsonBody(rawBody);
      const config = await withStoredCode(ctx, body.ZipFile, (code) =>
        store.updateFunctionCode(name, code, {
          publish: body.Publish === true,
          revisionId: typeof body.RevisionId === 'string' ? body.RevisionId : undefined,
          architectures: body.Architectures,
        }),
      );
      await ctx.changed();
      return { status: 200, body: config };
    }
    case 'UpdateFunctionConfiguration': {
      const config = store.updateFunctionConfiguration(name, jsonBody(rawBody));
      await ctx.changed();
      return { status: 200, body: config };
    }
    case 'DeleteFunction':
      store.deleteFunction(name, qualifier);
      await ctx.changed();
      return { status: 204 };
    case 'PublishVersion': {
      const body = jsonBody(rawBody);
      const config = store.publishVersion(name, {
        codeSha256: optionalString(body.CodeSha256),
        description: optionalString(body.Description),
        revisionId: optionalString(body.RevisionId),
      });
      await ctx.changed();
      return { status: 201, body: config };
    }
    case 'ListVersionsByFunction':
      return { status: 200, body: store.listVersionsByFunction(name, marker, maxItems) };
    case 'CreateAlias': {
      const alias = store.createAlias(name, jsonBody(rawBody));
      await ctx.changed();
      return { status: 201, body: alias };
    }
    case 'ListAliases':
      return { status: 200, body: store.listAliases(name, { functionVersion: route.query.get('FunctionVersion') ?? undefined, marker, maxItems }) };
    case 'GetAlias':
      return { status: 200, body: store.getAlias(name, route.aliasName ?? '') };
    case 'UpdateAlias': {
      const alias = store.updateAlias(name, route.aliasName ?? '', jsonBody(rawBody));
      await ctx.changed();
      return { status: 200, body: alias };
    }
    case 'DeleteAlias':
      store.deleteAlias(name, route.aliasName ?? '');
      await ctx.changed();
      return { status: 204 };
    default:
      throw new Error(`${route.operation} has no handler`);
  }
}

/** The event source mapping operations (which do not open the function store); undefined for the others. */
function eventSourceMapping(route: ManagementRoute, rawBody: Buffer, ctx: ManagementContext): ManagementAnswer | undefined {
  const uuid = route.uuid ?? '';
  const sources = (): EventSourceMappings => {
    if (ctx.eventSources === undefined) {
      throw new LambdaApiError('ResourceNotFoundException', `${route.operation} is not served here: this endpoint has no event sources`);
    }
    return ctx.eventSources;
  };
  switch (route.operation) {
    case 'CreateEventSourceMapping':
      return { status: 202, body: sources().createMapping(jsonBody(rawBody)) };
    case 'ListEventSourceMappings':
      return {
        status: 200,
        body: sources().listMappings({
          functionName: route.query.get('FunctionName') ?? undefined,
          eventSourceArn: route.query.get('EventSourceArn') ?? undefined,
          marker: route.query.get('Marker') ?? undefined,
          maxItems: route.query.get('MaxItems') ?? undefined,
        }),
      };
    case 'GetEventSourceMapping':
      return { status: 200, body: sources().getMapping(uuid) };
    case 'UpdateEventSourceMapping':
      return { status: 202, body: sources().updateMapping(uuid, jsonBody(rawBody)) };
    case 'DeleteEventSourceMapping':
      return { status: 202, body: sources().deleteMapping(uuid) };
    default:
      return undefined;
  }
}

/**
 * Store the request's base64 ZipFile by content hash and hand its
 * measurements to `write`. When `write` throws, the package goes again if
 * this request unpacked it and no version uses it: a refused upload leaves
 * nothing on disk. Code-carrying requests run one at a time per package
 * store, and so does the removal of unused packages (`exclusively`): packages
 * are shared by content hash, so neither removal is safe while another
 * request is between storing the same zip and committing the function that
 * uses it. (The HTTP server lets two uploads in at a time anyway.)
 */
async function withStoredCode<T>(ctx: ManagementContext, zipFile: unknown, write: (code: CodeInfo) => T): Promise<T> {
  if (typeof zipFile !== 'string' || zipFile.length === 0) {
    throw new LambdaApiError('InvalidParameterValueException', 'Code.ZipFile is required: nanolambda takes the deployment package inline (S3 and images are not served)');
  }
  return exclusively(ctx.codeDir, async (): Promise<T> => {
    const stored = await storePackage(ctx.codeDir, Buffer.from(zipFile, 'base64'));
    const code = { sha256: stored.codeSha256, size: stored.codeSize };
    try {
      return write(code);
    } catch (error) {
      if (stored.unpacked && !ctx.store().codeReferences().has(code.sha256)) {
        // The refusal is what the caller must hear; a package left behind is only disk.
        await deletePackage(ctx.codeDir, code.sha256).catch((failure: unknown) => {
          process.emitWarning(`a refused package stays in ${stored.dir}: ${(failure as Error).message}`, { code: 'NANOLAMBDA_PACKAGE_LEFT' });
        });
      }
      throw error;
    }
  });
}

function jsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new LambdaApiError('InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LambdaApiError('InvalidRequestContentException', 'Could not parse request body into json: expected an object');
  }
  return parsed as Record<string, unknown>;
}

/** The bare name of a FunctionName in any form (an invalid one is the store's to refuse). */
function nameOf(functionName: string): string {
  try {
    return parseFunctionName(functionName).name;
  } catch {
    return functionName;
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function managementError(error: unknown): ApiError {
  if (LambdaApiError.isLambdaApiError(error)) return error.toApiError();
  if (error instanceof PackageError) return apiError(error.statusCode, error.exceptionName, error.message);
  if (NanolambdaError.is(error) && error.code === 'ISOLATION_UNAVAILABLE') return apiError(400, 'InvalidParameterValueException', error.message);
  if (NanolambdaError.is(error) && error.code === 'RUNTIME_STOPPED') return apiError(409, 'ResourceConflictException', error.message);
  const text = error instanceof Error ? error.message : String(error);
  return apiError(500, 'ServiceException', `internal error in nanolambda: ${text} (please report it)`);
}
