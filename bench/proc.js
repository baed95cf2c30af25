// What the cases read of a process from /proc: its memory, its CPU time,
// its children and its executable.
'use strict';
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

/** A `Name:   123 kB` field of /proc/<pid>/status or smaps_rollup text, in kB; NaN without it. */
function kbField(text, name) {
  return Number((text.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [])[1] ?? NaN);
}

/** VmRSS, RssAnon, RssFile, RssShmem (status) and Pss, private pages (smaps_rollup) of a process, in kB. */
function memoryOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss_kb: kbField(status, 'VmRSS'),
    anon_kb: kbField(status, 'RssAnon'),
    file_kb: kbField(status, 'RssFile'),
    shmem_kb: kbField(status, 'RssShmem'),
    pss_kb: kbField(rollup, 'Pss'),
    // Pages no other process maps: what this process alone costs.
    private_kb: kbField(rollup, 'Private_Clean') + kbField(rollup, 'Private_Dirty'),
  };
}

/** VmRSS of a process in kB; 0 once it is gone (a worker may exit between listing and reading). */
function rssKb(pid) {
  try {
    return kbField(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS') || 0;
  } catch {
    return 0;
  }
}

/**
 * sysconf(_SC_CLK_TCK), the unit of /proc/<pid>/stat's CPU times: asked when
 * this module loads, so no reading during a measurement spawns getconf.
 */
const CLOCK_TICKS_PER_S = clockTicks();

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/**
 * On-CPU time of a process in ns; undefined once it is gone. schedstat
 * counts in ns; stat's utime+stime count in clock ticks (10 ms), too coarse
 * when 32 workers each run a few ms: stat is only the fallback for kernels
 * without schedstat.
 */
function cpuNs(pid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e9) / CLOCK_TICKS_PER_S;
    } catch {
      return undefined;
    }
  }
}

/** Children of a process, every thread's (the runtime spawns workers from its main thread, but look at all). */
function childrenOf(pid) {
  const kids = new Set();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    for (const k of text.split(/\s+/).filter(Boolean)) kids.add(Number(k));
  }
  return [...kids];
}

/** The executable a process runs, '' when it cannot be read. */
function exeOf(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

module.exports = { memoryOf, rssKb, cpuNs, childrenOf, exeOf };
