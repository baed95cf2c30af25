#!/usr/bin/env node
// The client side of the HTTP benchmarks (bench/http-floor.js runs it), in a
// process of its own like a real client (the AWS CLI, an SDK): keep-alive
// invokes of one function, WINDOW of them in flight (one per socket).
//   node bench/http-client.js PORT FUNCTION BYTES N [WINDOW [BUDGET_MS]]
//     -> one JSON line {samples: [µs, ...], seconds}
// No new request starts after BUDGET_MS (a slow path then times fewer).
// Requests are signed (SigV4) with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// when set, as the AWS CLI and SDKs sign theirs. Every answer must be 200
// with the payload's length, so a refusal is never timed as an echo.
'use strict';
const http = require('node:http');
const { signRequest } = require('../dist/api/sigv4/signer.js');

const [portText, fn, bytesText, nText, windowText, budgetText] = process.argv.slice(2);
const port = Number(portText);
const bytes = Number(bytesText);
const n = Number(nText);
const window = Number(windowText ?? 1);
const budgetMs = Number(budgetText ?? Infinity);
if (!(port > 0) || !fn || !(bytes >= 0) || !(n > 0) || !(window >= 1) || !(budgetMs > 0)) {
  console.error(`usage: http-client.js PORT FUNCTION BYTES N [WINDOW [BUDGET_MS]] (got ${process.argv.slice(2).join(' ')})`);
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: window });
const payload = Buffer.alloc(bytes, 0x63);
const PATH = `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`;
const key = process.env.AWS_ACCESS_KEY_ID
  ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
  : undefined;

function once() {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Length': payload.length };
    if (key) Object.assign(headers, signRequest({ method: 'POST', url: PATH, host: `127.0.0.1:${port}`, headers, body: payload, ...key }));
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: PATH, agent, headers }, (res) => {
      const chunks = [];
      let got = 0;
      res.on('data', (chunk) => {
        got += chunk.length;
        if (res.statusCode !== 200) chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${fn} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`));
        else if (got !== bytes) reject(new Error(`${fn} returned ${got} bytes for ${bytes}`));
        else resolve();
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Up to `count` invokes over `window` lanes within `ms`; samples[i] is the i-th invoke's latency in µs. */
async function run(count, ms) {
  const samples = new Array(count);
  let next = 0;
  const deadline = performance.now() + ms;
  async function lane() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await once();
      samples[i] = (performance.now() - t0) * 1000;
    }
  }
  await Promise.all(Array.from({ length: window }, lane));
  return samples.slice(0, next);
}

(async () => {
  // Warm up the sockets, the server's code paths and the function's worker.
  await run(Math.min(500, n), budgetMs / 4);
  const start = performance.now();
  const samples = await run(n, budgetMs);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ samples, seconds })}\n`);
})().catch((error) => {
  console.error(`http-client.js: ${error.message}`);
  process.exit(1);
});
