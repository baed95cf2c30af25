// The suite's cases, in run order: each a script run in a fresh process, the
// renderer of its report section and, where issue 8 sets targets for it, the
// reader of its targets. Timeouts are generous multiples of what each case
// takes on a 2-core machine, so only a hung case hits them.
'use strict';
const sections = require('./sections.js');
const targets = require('./targets.js');

const CASES = [
  { name: 'invoke', title: 'Hot invoke', script: 'invoke.js', quickS: 600, fullS: 3600, render: sections.renderInvoke, targets: targets.invokeTargets },
  { name: 'paths', title: 'Entry paths', script: 'paths.js', quickS: 900, fullS: 3600, render: require('./paths-section.js').render },
  { name: 'scaling', title: 'Scaling', script: 'scaling.js', quickS: 300, fullS: 1200, render: require('./scaling-section.js').render },
  { name: 'peers', title: 'Peers side by side', script: 'peers.js', quickS: 300, fullS: 900, render: require('./peers-section.js').render, targets: targets.peersTargets },
  { name: 'cold-start', title: 'Cold start', script: 'cold-start.js', quickS: 300, fullS: 1800, render: require('./cold-start-section.js').render, targets: targets.coldStartTargets },
  { name: 'contention', title: 'Contention', script: 'contention.js', quickS: 300, fullS: 1200, render: sections.renderContention },
  // Long even when quick: a memory-limit probe that fails may take 30 s to count as failed.
  { name: 'footprint', title: 'Footprint', script: 'footprint.js', quickS: 600, fullS: 1200, render: require('./footprint-section.js').render, targets: targets.footprintTargets },
];

module.exports = { CASES };
