// The machine a report was measured on, from /proc and Node: figures only
// compare on the same machine, so the report must say which one it was.
'use strict';
const fs = require('node:fs');
const os = require('node:os');

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** { cpuModel, cpus, memTotalMiB, kernel, node, date, loadAvg } */
function describeMachine() {
  const cpuinfo = readOr('/proc/cpuinfo', '');
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1].trim());
  const processors = (cpuinfo.match(/^processor\s*:/gm) || []).length;
  const memKb = Number((readOr('/proc/meminfo', '').match(/^MemTotal:\s+(\d+)/m) || [])[1]);
  return {
    cpuModel: models[0] || os.cpus()[0]?.model || 'unknown',
    cpus: processors || os.cpus().length,
    memTotalMiB: Number.isFinite(memKb) ? Math.round(memKb / 1024) : Math.round(os.totalmem() / 1048576),
    kernel: `${os.type()} ${os.release()} (${os.version()}) ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAvg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

module.exports = { describeMachine };
