// The suite's command line: parsed strictly, so a typo is an error that names
// it rather than a run with a default the user did not ask for.
'use strict';
const path = require('node:path');

const USAGE = 'usage: node bench/suite.js [--quick | --smoke] [--only name,name] [--out FILE] [--timeout SECONDS]';

/**
 * argv → { quick, smoke, only (names or undefined), out (absolute), timeoutS (or undefined: per case) }.
 * --smoke runs every case with the fewest rounds that show it works (for tests; its figures mean nothing).
 * `known` is the list of case names --only may pick from; `defaultOut` is absolute.
 */
function parseSuiteArgs(argv, known, defaultOut) {
  const opts = { quick: false, smoke: false, only: undefined, out: defaultOut, timeoutS: undefined };
  const value = (i, flag) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--smoke') opts.smoke = true;
    else if (arg === '--only') {
      const names = value(i++, arg).split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !known.includes(n));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only: unknown case ${JSON.stringify(unknown.join(',') || '')}; the cases are ${known.join(', ')}`);
      }
      opts.only = names;
    } else if (arg === '--out') opts.out = path.resolve(value(i++, arg));
    else if (arg === '--timeout') {
      const raw = value(i++, arg);
      const s = Number(raw);
      if (!Number.isFinite(s) || s <= 0) throw new Error(`--timeout: ${JSON.stringify(raw)} is not a positive number of seconds`);
      opts.timeoutS = s;
    } else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new Error(`unknown option ${JSON.stringify(arg)}\n${USAGE}`);
  }
  return opts;
}

module.exports = { parseSuiteArgs, USAGE };
