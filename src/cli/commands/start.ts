// `nanolambda start`: run a group's functions and serve the Invoke API until
// SIGINT/SIGTERM, then stop cleanly.
import type { GroupConfig } from '../../config/types';
import { Runtime } from '../../runtime';
import { intFlag, stringFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';
import { groupFromArg } from '../group-arg';
import { describeFunctions } from '../group-summary';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3001;

const usage = `Usage: nanolambda start [group.json] [--port N] [--host H]

Start the functions of a Greengrass V1 group definition and serve the Lambda
Invoke API (\`nanolambda invoke\`, \`aws lambda invoke --endpoint-url\`).
Without group.json, the built-in example group runs.

Options:
  --port N     listen port (default: the group's http.port, else ${DEFAULT_PORT}; 0 picks one)
  --host H     listen address (default: the group's http.host, else ${DEFAULT_HOST});
               the endpoint has no authentication: keep it on loopback
  -h, --help   show this help

Runs until SIGINT (Ctrl+C) or SIGTERM, then stops every function and exits 0.`;

async function run(args: ParsedArgs): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': start takes one group file`);
  const port = intFlag(args, 'port', 0, 65535);
  const host = stringFlag(args, 'host');

  const group: GroupConfig = groupFromArg(file);
  const http = {
    host: host ?? group.http?.host ?? DEFAULT_HOST,
    port: port ?? group.http?.port ?? DEFAULT_PORT,
  };

  let runtime: Runtime;
  try {
    runtime = await Runtime.start({ group, http });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(`${http.host}:${http.port} is already in use: pass --port N (or stop the other process)`, false);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new UsageError(`cannot listen on ${http.host}:${http.port} (${code}): pick another --host/--port`, false);
    }
    throw err;
  }

  // Handlers first: whoever reads "listening" below may signal at once.
  const stopped = stopOnSignal(runtime);

  const address = runtime.httpAddress ?? http;
  const endpoint = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const out = process.stdout;
  out.write(`nanolambda: ${group.functions.length} functions from ${group.file}\n`);
  out.write(`${describeFunctions(runtime.group).join('\n')}\n`);
  out.write(`Lambda Invoke API listening on ${endpoint}\n`);
  if (runtime.credentialsFile !== undefined) {
    out.write(`Requests must be signed (SigV4) with the keys in ${runtime.credentialsFile}: \`nanolambda credentials${group.file.startsWith('<') ? '' : ` ${group.file}`}\` shows them\n`);
  }
  const mqtt = runtime.mqttAddress;
  if (mqtt) out.write(`Client devices connect to MQTT on ${mqtt.host}:${mqtt.port}\n`);
  const first = runtime.group.functions[0]?.name ?? 'echo';
  out.write(`Try:  nanolambda invoke ${first} '{"hello":"world"}' --endpoint ${endpoint}\n`);
  out.write(
    `      aws lambda invoke --endpoint-url ${endpoint} --function-name ${first} ` +
      `--cli-binary-format raw-in-base64-out --payload '{}' out.json\n`,
  );
  out.write('Press Ctrl+C to stop.\n');
  return stopped;
}

/** Stop the runtime on SIGINT/SIGTERM; resolves with the exit code. A second signal exits at once. */
function stopOnSignal(runtime: Runtime): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: the user does not want to wait.
        process.stderr.write(`nanolambda: ${signal} again, exiting without waiting\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`nanolambda: ${signal}, stopping…\n`);
      runtime.stop().then(
        () => {
          process.stderr.write('nanolambda: stopped\n');
          resolve(0);
        },
        (err: unknown) => {
          process.stderr.write(`nanolambda: stop failed: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run a group (default: the built-in example) and serve the Invoke API',
  usage,
  flags: { port: 'string', host: 'string' },
  run,
};
