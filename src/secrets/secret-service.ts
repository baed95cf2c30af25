// The local secrets service (Greengrass V1's GGSecretManager): at each
// deployment it reads every secret's value from its source, encrypts it and
// stores it; functions then read the values they are affiliated with through
// gg_get_secret_value or the SDKs' GetSecretValue.
//
// Encryption at rest: every deployment makes a fresh 256-bit data key,
// seals each value with it (AES-256-GCM, associated data naming the secret
// and its version) and stores the data key sealed with the master key from
// the key file, which must live outside the state directory. Plaintext only
// ever exists in memory, and those buffers are zeroed after use.
//
// Decisions where Greengrass is silent or cannot apply here:
// - SecretId matches a secret's name or its full ARN. An ARN without the
//   6-character suffix (a "partial ARN") is refused with a 404 that says so:
//   Secrets Manager itself warns it can match the wrong secret.
// - VersionId: the SDKs refuse it client-side; the C API passes it. Only the
//   current version is deployed, so its own VersionId is accepted and any
//   other is a 404. '' means not given (the C channel's "absent").
// - VersionStage: AWSCURRENT or one of the resource's
//   AdditionalStagingLabelsToDownload, all on the one deployed value (the
//   value comes from a local file or variable, which has no versions);
//   anything else is a 404. '' means AWSCURRENT.
// - A function not affiliated with the secret gets 401 (Greengrass's
//   "unauthorized"), checked before the version so it learns nothing more.
// - VersionId is a UUID kept while a secret's value (and its ARN and Binary
//   setting) stay the same across deployments, with CreatedDate from when
//   that value was first stored; a changed value gets a new one.
// - A store written under another master key (the key file was replaced)
//   cannot be read: reads answer 500 saying so, and the next deployment
//   replaces it, every secret getting a new VersionId.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { NanolambdaError } from '../errors';
import { keyPlacementProblem } from './key-placement';
import { readMasterKey, readOrCreateMasterKey } from './master-key';
import { KEY_BYTES, seal, unseal } from './sealed-box';
import { partialSecretArn } from './secret-arn';
import { secretErrorReply, secretValueReply, type SecretReply } from './secret-reply';
import { secretRequestProblem, type SecretRequest } from './secret-request';
import type { SecretSpec } from './secret-spec';
import { SecretStore, secretStoreExists, type StoredSecret } from './secret-store';
import { readSecretValue } from './secret-values';

const DATA_KEY_CONTEXT = Buffer.from('nanolambda secrets: data key v1');

/** Binds a sealed value to the row it belongs to. */
function valueContext(s: Pick<StoredSecret, 'resourceId' | 'arn' | 'name' | 'versionId' | 'binary'>): Buffer {
  return Buffer.from(JSON.stringify(['nanolambda secrets: value v1', s.resourceId, s.arn, s.name, s.versionId, s.binary]));
}

/** The caller of GetSecretValue: a FunctionSpec has these. */
export interface SecretCaller {
  arn: string;
  /** Resource Ids of the secrets it is affiliated with. */
  secrets: readonly string[];
}

export class SecretService {
  private readonly stateDir: string;
  private keyFile: string;
  private store: SecretStore | undefined;
  private masterKey: Buffer | undefined;
  private closed = false;

  /** Nothing is opened or checked yet: a group without secrets needs no key file. */
  constructor(stateDir: string, keyFile: string) {
    this.stateDir = path.resolve(stateDir);
    this.keyFile = path.resolve(keyFile);
  }

  /**
   * deploy() under the master key in `keyFile` (a deployment may name
   * another SecretKeyFile: the secrets are stored again under it). On
   * failure the old key stays in use.
   */
  deployWithKey(secrets: readonly SecretSpec[], keyFile: string): void {
    const resolved = path.resolve(keyFile);
    if (resolved === this.keyFile) return this.deploy(secrets);
    const previous = { keyFile: this.keyFile, masterKey: this.masterKey };
    this.keyFile = resolved;
    this.masterKey = undefined;
    try {
      this.deploy(secrets);
    } catch (error) {
      this.keyFile = previous.keyFile;
      this.masterKey = previous.masterKey;
      throw error;
    }
  }

  /**
   * Read every secret's value now, encrypt and store it, replacing what an
   * earlier deployment stored (secrets no longer given are deleted). Throws
   * CONFIG_INVALID naming the secret and its source when a value cannot be
   * read, STORAGE_FAILED when the disk refuses; nothing changes then.
   */
  deploy(secrets: readonly SecretSpec[]): void {
    if (this.closed) throw new NanolambdaError('RUNTIME_STOPPED', `the secrets service of ${this.stateDir} is closed`);
    checkDistinct(secrets);
    // Kept apart from the store, or a copy of the state directory would hold readable secrets.
    const misplaced = secrets.length > 0 ? keyPlacementProblem(this.keyFile, this.stateDir) : undefined;
    if (misplaced !== undefined) throw new NanolambdaError('CONFIG_INVALID', misplaced);
    const values: Buffer[] = [];
    let dataKey: Buffer | undefined;
    const previous = new Map<string, { secret: StoredSecret; value: Buffer }>();
    try {
      for (const spec of secrets) values.push(readSecretValue(spec));
      if (secrets.length === 0) {
        // Nothing to protect: no key is made, and no store unless one exists.
        if (this.store !== undefined || secretStoreExists(this.stateDir)) this.openStore().replaceAll(undefined, []);
        return;
      }
      const masterKey = this.masterKeyForWriting();
      const store = this.openStore();
      this.readPrevious(store, masterKey, previous);
      dataKey = randomBytes(KEY_BYTES);
      const now = Date.now();
      const rows = secrets.map((spec, i): StoredSecret => {
        const value = values[i]!;
        const old = previous.get(spec.resourceId);
        const unchanged = old !== undefined && old.secret.arn === spec.arn && old.secret.binary === spec.binary && old.value.equals(value);
        const row = {
          resourceId: spec.resourceId,
          arn: spec.arn,
          name: spec.name,
          stagingLabels: [...spec.stagingLabels],
          binary: spec.binary,
          versionId: unchanged ? old.secret.versionId : randomUUID(),
          createdMs: unchanged ? old.secret.createdMs : now,
        };
        return { ...row, sealedValue: seal(dataKey!, value, valueContext(row)) };
      });
      store.replaceAll(seal(masterKey, dataKey, DATA_KEY_CONTEXT), rows);
    } finally {
      for (const value of values) value.fill(0);
      for (const old of previous.values()) old.value.fill(0);
      dataKey?.fill(0);
    }
  }

  /**
   * gg_get_secret_value / GetSecretValue for `fn`. Never throws: every
   * outcome is a reply (errors as {"Status","Message"}).
   */
  getSecretValue(fn: SecretCaller, request: SecretRequest): SecretReply {
    try {
      return this.answer(fn, request);
    } catch (error) {
      return secretErrorReply(500, `the secrets service cannot answer: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Close the store and forget the key. Later reads answer 503; deploy throws RUNTIME_STOPPED. */
  close(): void {
    this.closed = true;
    this.store?.close();
    this.store = undefined;
    this.masterKey?.fill(0);
    this.masterKey = undefined;
  }

  private answer(fn: SecretCaller, request: SecretRequest): SecretReply {
    if (this.closed) return secretErrorReply(503, 'the secrets service is stopped');
    const problem = secretRequestProblem(request);
    if (problem !== undefined) return secretErrorReply(400, problem);
    const { secretId } = request;
    const versionId = request.versionId || undefined;
    const versionStage = request.versionStage || 'AWSCURRENT';

    // Before any deployment with secrets there is no store, and none is made for a read.
    const store = this.store ?? (secretStoreExists(this.stateDir) ? this.openStore() : undefined);
    const secret = store?.find(secretId);
    if (store === undefined || secret === undefined) return secretErrorReply(404, notFoundMessage(secretId, store));
    const named = `secret ${JSON.stringify(secret.name)}`;
    if (!fn.secrets.includes(secret.resourceId)) {
      return secretErrorReply(
        401,
        `function ${fn.arn} is not affiliated with ${named} (${secret.arn}): give it the resource access policy ` +
          `{"ResourceId": ${JSON.stringify(secret.resourceId)}, "Permission": "ro"}`,
      );
    }
    if (versionId !== undefined && versionId !== secret.versionId) {
      return secretErrorReply(404, `${named} has no version ${JSON.stringify(versionId)} here: only its current version, ${secret.versionId}, is deployed`);
    }
    if (!secret.stagingLabels.includes(versionStage)) {
      return secretErrorReply(
        404,
        `${named} has no version labelled ${JSON.stringify(versionStage)} here (deployed labels: ${secret.stagingLabels.join(', ')}): ` +
          "add it to the resource's AdditionalStagingLabelsToDownload",
      );
    }

    const masterKey = this.masterKeyForReading();
    if (masterKey === undefined) {
      return secretErrorReply(500, `the secret key file ${this.keyFile} is missing, so the deployed secrets cannot be decrypted: deploy again to store them under a new key`);
    }
    const sealedDataKey = store.sealedDataKey();
    const dataKey = sealedDataKey === undefined ? undefined : unseal(masterKey, sealedDataKey, DATA_KEY_CONTEXT);
    if (dataKey === undefined) {
      return secretErrorReply(
        500,
        `the secrets store ${store.file} was not written with the key in ${this.keyFile} (was the key file replaced?), so it cannot be decrypted: deploy again to store the secrets under this key`,
      );
    }
    const value = unseal(dataKey, secret.sealedValue, valueContext(secret));
    dataKey.fill(0);
    if (value === undefined) {
      return secretErrorReply(500, `the stored value of ${named} fails its integrity check (the store ${store.file} was altered): deploy again to rewrite it`);
    }
    try {
      return secretValueReply(secret, value);
    } finally {
      value.fill(0);
    }
  }

  /** Stored values of the previous deployment that can still be decrypted, by resource Id. */
  private readPrevious(store: SecretStore, masterKey: Buffer, into: Map<string, { secret: StoredSecret; value: Buffer }>): void {
    const sealedDataKey = store.sealedDataKey();
    // Another key, or nothing deployed: every secret is new (see the header).
    const dataKey = sealedDataKey === undefined ? undefined : unseal(masterKey, sealedDataKey, DATA_KEY_CONTEXT);
    if (dataKey === undefined) return;
    try {
      for (const secret of store.all()) {
        const value = unseal(dataKey, secret.sealedValue, valueContext(secret));
        if (value !== undefined) into.set(secret.resourceId, { secret, value });
      }
    } finally {
      dataKey.fill(0);
    }
  }

  private openStore(): SecretStore {
    this.store ??= new SecretStore(this.stateDir);
    return this.store;
  }

  private masterKeyForWriting(): Buffer {
    this.masterKey ??= readOrCreateMasterKey(this.keyFile);
    return this.masterKey;
  }

  private masterKeyForReading(): Buffer | undefined {
    this.masterKey ??= readMasterKey(this.keyFile);
    return this.masterKey;
  }
}

/** Two specs for one resource, ARN or name would make lookups ambiguous (the config refuses this; callers building specs by hand may not). */
function checkDistinct(secrets: readonly SecretSpec[]): void {
  for (const key of ['resourceId', 'arn', 'name'] as const) {
    const seen = new Set<string>();
    for (const spec of secrets) {
      if (seen.has(spec[key])) throw new NanolambdaError('INVALID_PARAMETER', `two secrets to deploy have the ${key} ${JSON.stringify(spec[key])}: each must be unique`);
      seen.add(spec[key]);
    }
  }
}

function notFoundMessage(secretId: string, store: SecretStore | undefined): string {
  const base = `no secret ${JSON.stringify(secretId)} is deployed: SecretId must be the name or the full ARN of a SecretsManagerSecretResourceData resource of the group`;
  const partial = store?.all().find((s) => partialSecretArn(s.arn) === secretId);
  if (partial === undefined) return base;
  return `${base}; this looks like the ARN of secret ${JSON.stringify(partial.name)} without the 6-character suffix Secrets Manager adds: give the full ARN or the name`;
}
