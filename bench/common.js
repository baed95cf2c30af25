// What every benchmark here shares: its two options and its percentiles.
'use strict';

/** `--quick` (fewer rounds) and `--json FILE` (write the figures there). */
function benchOptions(argv = process.argv.slice(2)) {
  return { quick: argv.includes('--quick'), jsonOut: argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined };
}

/** The p-th percentile of an ascending array (nearest rank). */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

module.exports = { benchOptions, percentile };
