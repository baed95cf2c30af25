// The HTTP side shared by bench/invoke.js and bench/paths.js: timed invokes
// from a separate client process (bench/http-client.js), and the floor of
// every HTTP path, a plain Node http echo server driven by the same client,
// so the runtime's endpoint is read against what Node's HTTP alone costs.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');

/**
 * `n` keep-alive invokes of `fn` on 127.0.0.1:`port`, `window` in flight,
 * none started after `budgetMs`, signed with `key` ({ accessKeyId,
 * secretAccessKey }) when given. → { samples: µs[], seconds }
 */
async function httpInvokes({ port, fn, bytes, n, window = 1, budgetMs = Infinity, key }) {
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  if (key) Object.assign(env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
  const args = [path.join(__dirname, 'http-client.js'), String(port), fn, String(bytes), String(n), String(window), String(budgetMs)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bench/http-client.js (${fn}, ${bytes} B, ${window} in flight) exited with ${code}: ${err.trim()}`);
  return JSON.parse(out);
}

/** Run `body(port)` with a plain Node http server that answers every request with its body. */
async function withPlainEchoServer(body) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await body(server.address().port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

module.exports = { httpInvokes, withPlainEchoServer };
