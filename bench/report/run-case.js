// Runs one benchmark script in a fresh `node` process (its own process group,
// so a timeout ends the workers and clients it started too) and collects the
// JSON it wrote with --json, its exit and the tail of its output.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const TAIL_LINES = 30;
const KILL_GRACE_MS = 5000;

function tail(text, lines = TAIL_LINES) {
  return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).slice(-lines).join('\n');
}

/**
 * Run `script` with `--json <tmp>` (and `--quick` or `--smoke`). Resolves, never rejects:
 * { ok, json, seconds, code, signal, timedOut, stdout, stderrTail, error }.
 * ok means exit 0 and JSON that parses.
 */
function runCase(script, { quick, smoke, timeoutMs, cwd }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-suite-'));
  const jsonFile = path.join(dir, 'result.json');
  const args = [script, '--json', jsonFile, ...(smoke ? ['--smoke'] : quick ? ['--quick'] : [])];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    let timedOut = false;
    // The whole group: the case's runtime workers and helper clients must not outlive it.
    const signalGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
    }, timeoutMs);
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let json;
      let error = spawnError?.message;
      if (!error && code === 0) {
        try {
          json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
        } catch (e) {
          error = `exited 0 but its JSON (${jsonFile}) could not be read: ${e.message}`;
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      if (!error && timedOut) error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
      else if (!error && code !== 0) error = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve({ ok: !error, json, seconds, code, signal, timedOut, stdout, stderrTail: tail(stderr), stdoutTail: tail(stdout), error });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

module.exports = { runCase };
