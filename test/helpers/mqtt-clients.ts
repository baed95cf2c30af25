// Real MQTT clients for tests: mosquitto_pub and mosquitto_sub (Debian's
// mosquitto-clients), as devices would run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait';

export function hasMosquittoClients(): boolean {
  return ['mosquitto_pub', 'mosquitto_sub'].every((tool) => spawnSync(tool, ['--help']).error === undefined);
}

/**
 * Run mosquitto_pub to the end: its exit status and what it said. Never
 * spawnSync: the broker under test runs in this process's event loop.
 */
export function mqttPub(port: number, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill(), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** A running mosquitto_sub printing "<topic> <payload>" per message. */
export class MqttSub {
  readonly lines: string[] = [];
  output = '';
  exited: number | null | undefined = undefined;
  private readonly child: ChildProcess;

  constructor(port: number, args: string[]) {
    // Line-buffered: -d's trace (the SUBACK) would otherwise wait in a pipe buffer.
    this.child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-F', '%t %p', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk;
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      // -d (which shows the SUBACK) interleaves its protocol trace with the messages.
      this.lines.push(...parts.filter((line) => !/^Client \S+ (sending|received) |^Subscribed \(mid/.test(line)));
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.child.on('exit', (code) => (this.exited = code));
  }

  /** Resolves once it has subscribed (pass -d: it prints the SUBACK). */
  async subscribed(): Promise<void> {
    await waitFor(() => this.output.includes('Subscribed (mid') || this.exited !== undefined, 10_000, "mosquitto_sub's SUBACK").catch((error: Error) => {
      throw new Error(`${error.message}; it said ${JSON.stringify(this.output.slice(-500))}`);
    });
  }

  async waitForLines(count: number, timeoutMs = 10_000): Promise<string[]> {
    await waitFor(() => this.lines.length >= count, timeoutMs, `${count} messages at mosquitto_sub`).catch((error: Error) => {
      throw new Error(`${error.message}; got ${JSON.stringify(this.lines)}, it said ${JSON.stringify(this.output.slice(-500))}`);
    });
    return this.lines;
  }

  stop(): void {
    if (this.exited === undefined) this.child.kill();
  }

  /** Vanish without DISCONNECT (SIGKILL), as a device losing power: the broker publishes its will. */
  kill(): void {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}
