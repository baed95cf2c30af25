// A minimal client for the Invoke endpoint, shaped like the AWS CLI's
// requests (percent-encoded name, ?Qualifier=, X-Amz-* headers).
import http from 'node:http';
import type { InvokeOptions } from '../invoke-types';
import { signRequest } from '../api/sigv4/signer';
import type { SigningKey } from './client-credentials';

export interface HttpInvokeReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function invokePath(functionName: string, qualifier?: string): string {
  const query = qualifier === undefined ? '' : `?Qualifier=${encodeURIComponent(qualifier)}`;
  return `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations${query}`;
}

export function httpInvoke(
  endpoint: URL,
  functionName: string,
  payload: Buffer,
  options: InvokeOptions = {},
  agent?: http.Agent,
  key?: SigningKey,
): Promise<HttpInvokeReply> {
  const headers: Record<string, string | number> = { 'Content-Length': payload.length };
  if (options.type !== undefined) headers['X-Amz-Invocation-Type'] = options.type;
  if (options.logType !== undefined) headers['X-Amz-Log-Type'] = options.logType;
  if (options.clientContext !== undefined) headers['X-Amz-Client-Context'] = options.clientContext;
  const base = endpoint.pathname.replace(/\/+$/, '');
  const path = base + invokePath(functionName, options.qualifier);
  if (key !== undefined) {
    Object.assign(headers, signRequest({ method: 'POST', url: path, host: endpoint.host, headers, body: payload, ...key }));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: endpoint.hostname,
        port: endpoint.port || 80,
        method: 'POST',
        path,
        headers,
        agent: agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The envelope's message (`message ?? Message`), or the raw body. */
export function errorMessageOf(reply: HttpInvokeReply): string {
  try {
    const doc = JSON.parse(reply.body.toString('utf8')) as { message?: string; Message?: string };
    return doc.message ?? doc.Message ?? reply.body.toString('utf8');
  } catch {
    return reply.body.toString('utf8');
  }
}
