#!/usr/bin/env node
// The HTTP side of bench/invoke.js, run as its own process like a real
// client (the AWS CLI, an SDK): sequential keep-alive invokes of echo.
//   node bench/http-client.js PORT BYTES N   -> one JSON line of samples (µs)
// Requests are signed (SigV4) with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// when set, as the AWS CLI and SDKs sign theirs.
'use strict';
const http = require('node:http');
const { signRequest } = require('../dist/api/sigv4/signer.js');

const [port, bytes, n] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const payload = Buffer.alloc(bytes, 0x63);

const PATH = '/2015-03-31/functions/echo/invocations';
const key = process.env.AWS_ACCESS_KEY_ID
  ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
  : undefined;

function once() {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Length': payload.length };
    if (key) Object.assign(headers, signRequest({ method: 'POST', url: PATH, host: `127.0.0.1:${port}`, headers, body: payload, ...key }));
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: PATH, agent, headers },
      (res) => {
        let got = 0;
        res.on('data', (chunk) => (got += chunk.length));
        res.on('end', () => (got === bytes ? resolve() : reject(new Error(`echo returned ${got} bytes for ${bytes}`))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

(async () => {
  for (let i = 0; i < Math.min(500, n); i++) await once();
  const samples = new Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    samples[i] = (performance.now() - t0) * 1000;
  }
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ samples, seconds })}\n`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
