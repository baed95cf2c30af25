// The footprint case: sizes of what nanolambda installs, read directly (no
// process to run). A missing file is reported as missing, not as zero.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const FILES = [
  { what: 'C SDK shared library', rel: 'sdk/lib/libaws-greengrass-core-sdk-c.so' },
  { what: 'launcher executable', rel: 'sdk/bin/nanolambda-launcher' },
];

/** → { ok, results: [{ what, file, bytes } | { what, file, missing }] , error } */
function measureFootprint(root) {
  const results = FILES.map(({ what, rel }) => {
    try {
      // stat follows symlinks: the size of the library itself, not of a link to it.
      return { what, file: rel, bytes: fs.statSync(path.join(root, rel)).size };
    } catch (e) {
      return { what, file: rel, missing: e.code || e.message };
    }
  });
  const missing = results.filter((r) => r.missing);
  return {
    ok: missing.length === 0,
    json: { results },
    error: missing.length ? `missing: ${missing.map((r) => `${r.file} (${r.missing})`).join(', ')}; build the SDK (npm run build:csdk)` : undefined,
  };
}

module.exports = { measureFootprint };
