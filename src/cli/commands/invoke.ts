// `nanolambda invoke`: call a running nanolambda over its local Invoke
// endpoint, the way `aws lambda invoke` does.
// Exit codes: 0 the function succeeded, 1 the function failed,
// 2 the invocation did not happen (usage, connection or API error).
import { readFile, writeFile } from 'node:fs/promises';
import type { InvocationType, InvokeOptions, LogType } from '../../invoke-types';
import { oneOf, stringFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { errorMessageOf, httpInvoke } from '../http-invoke';
import { signingKeyFor } from '../client-credentials';
import { groupFromArg } from '../group-arg';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3001';

const usage = `Usage: nanolambda invoke <function> [payload|@file|-] [options]

Invoke a function of a running nanolambda (see \`nanolambda start\`) over its
Lambda Invoke endpoint. <function> is a name, name:qualifier, or an ARN.
The payload is the literal text, @file for a file's bytes, - for stdin;
none means an empty payload.

Options:
  --type T              RequestResponse (default), Event or DryRun
  --qualifier Q         version, alias or $LATEST
  --log-type Tail       print the invocation's log tail to stderr
  --client-context B64  base64 of a JSON object, passed to the function
  --endpoint URL        default ${DEFAULT_ENDPOINT} (or $NANOLAMBDA_ENDPOINT)
  --group FILE          sign with the keys of this group's state directory (default: the
                        built-in example group's), unless AWS_ACCESS_KEY_ID and
                        AWS_SECRET_ACCESS_KEY are set
  --output FILE         write the response payload to FILE instead of stdout
  -h, --help            show this help

The response payload goes to stdout; the status line
({"StatusCode":…,"ExecutedVersion":…,"FunctionError":…}) goes to stderr.
Exit status: 0 success, 1 the function failed, 2 the invocation did not happen.`;

async function readPayload(arg: string | undefined): Promise<Buffer> {
  if (arg === undefined) return Buffer.alloc(0);
  if (arg === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    try {
      return await readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read payload file '${file}': ${(err as Error).message}`, false);
    }
  }
  return Buffer.from(arg, 'utf8');
}

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--endpoint '${text}' is not a URL; use e.g. ${DEFAULT_ENDPOINT}`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`--endpoint '${text}': only http:// endpoints are supported`);
  return url;
}

function connectionProblem(err: unknown, endpoint: string): UsageError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') {
    return new UsageError(
      `no nanolambda listening on ${endpoint}: start one with \`nanolambda start\` (or pass --endpoint URL)`,
      false,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new UsageError(`cannot resolve the host of ${endpoint}: check --endpoint`, false);
  }
  return new UsageError(`cannot talk to ${endpoint}: ${(err as Error).message}`, false);
}

async function run(args: ParsedArgs): Promise<number> {
  const [name, payloadArg, ...extra] = args.positionals;
  if (name === undefined) throw new UsageError('missing <function>: name the function to invoke, e.g. `nanolambda invoke echo`');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': put the payload in one argument (quote it)`);

  const options: InvokeOptions = {};
  const type = oneOf<InvocationType>(args, 'type', ['RequestResponse', 'Event', 'DryRun']);
  if (type !== undefined) options.type = type;
  const logType = oneOf<LogType>(args, 'log-type', ['None', 'Tail']);
  if (logType !== undefined) options.logType = logType;
  const qualifier = stringFlag(args, 'qualifier');
  if (qualifier !== undefined) options.qualifier = qualifier;
  const clientContext = stringFlag(args, 'client-context');
  if (clientContext !== undefined) options.clientContext = clientContext;
  const endpointText = stringFlag(args, 'endpoint') ?? process.env.NANOLAMBDA_ENDPOINT ?? DEFAULT_ENDPOINT;
  const endpoint = parseEndpoint(endpointText);
  const output = stringFlag(args, 'output');

  const payload = await readPayload(payloadArg);
  const groupFile = stringFlag(args, 'group');
  const key = signingKeyFor(groupFromArg(groupFile).stateDir);
  let reply;
  try {
    reply = await httpInvoke(endpoint, name, payload, options, undefined, key);
  } catch (err) {
    throw connectionProblem(err, endpointText);
  }

  if (reply.status >= 300) {
    const type = String(reply.headers['x-amzn-errortype'] ?? `HTTP ${reply.status}`);
    const hint =
      reply.status === 404
        ? ' (the functions are listed when `nanolambda start` starts)'
        : reply.status === 403
          ? ' (requests are signed with $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, else the keys of --group FILE\'s state directory: `nanolambda credentials FILE` shows them)'
          : '';
    process.stderr.write(`nanolambda invoke: ${type} (HTTP ${reply.status}): ${errorMessageOf(reply)}${hint}\n`);
    return 2;
  }

  const status: Record<string, string | number> = { StatusCode: reply.status };
  const executed = reply.headers['x-amz-executed-version'];
  if (typeof executed === 'string') status.ExecutedVersion = executed;
  const functionError = reply.headers['x-amz-function-error'];
  if (typeof functionError === 'string') status.FunctionError = functionError;

  if (output !== undefined) {
    try {
      await writeFile(output, reply.body);
    } catch (err) {
      throw new UsageError(`cannot write --output '${output}': ${(err as Error).message}`, false);
    }
  } else if (reply.body.length > 0) {
    process.stdout.write(reply.body);
    // Keep the status line off the payload's last line on a terminal.
    if (process.stdout.isTTY && reply.body[reply.body.length - 1] !== 10) process.stdout.write('\n');
  }
  const logResult = reply.headers['x-amz-log-result'];
  if (typeof logResult === 'string') process.stderr.write(Buffer.from(logResult, 'base64'));
  process.stderr.write(`${JSON.stringify(status)}\n`);
  return functionError === undefined ? 0 : 1;
}

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'invoke a function of a running nanolambda over HTTP',
  usage,
  flags: {
    type: 'string',
    group: 'string',
    qualifier: 'string',
    'log-type': 'string',
    'client-context': 'string',
    endpoint: 'string',
    output: 'string',
  },
  run,
};
