// The text of nanolambda.service, the systemd unit `nanolambda service
// install` writes. Every directive sits under a comment saying why it is
// there (systemd only allows comments on their own lines), and the
// hardening options this runtime cannot live with are named as left out.

/** Default home of the state directory: what StateDirectory=nanolambda makes. */
export const SYSTEMD_STATE_ROOT = '/var/lib';
/** Default log directory: what LogsDirectory=nanolambda makes. */
export const DEFAULT_LOG_DIR = '/var/log/nanolambda';
export const UNIT_NAME = 'nanolambda.service';

export interface UnitSettings {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of dist/cli/main.js. */
  mainJs: string;
  /** Absolute path of the group file `start` runs. */
  config: string;
  user: string;
  /** Absolute state directory (Nanolambda.StateDir of the config skeleton). */
  stateDir: string;
  /** Absolute log directory (Nanolambda.LogDir). */
  logDir: string;
  /** Seconds systemd waits after SIGTERM before SIGKILL. */
  timeoutStopSec: number;
}

/** The name StateDirectory= takes for `dir` (a path below /var/lib), or undefined when systemd cannot make it. */
export function stateDirectoryName(dir: string): string | undefined {
  const prefix = `${SYSTEMD_STATE_ROOT}/`;
  return dir.startsWith(prefix) && dir.length > prefix.length ? dir.slice(prefix.length) : undefined;
}

export function renderUnit(s: UnitSettings): string {
  const stateName = stateDirectoryName(s.stateDir);
  const lines = [
    '# Written by `nanolambda service install`. Rerun it with --force to rewrite this file.',
    '[Unit]',
    'Description=nanolambda local Lambda runtime',
    '# Functions and the cloud connection usually want the network up before they start.',
    'Wants=network-online.target',
    'After=network-online.target',
    '# A group that keeps crashing at start is not restarted forever: five tries a minute.',
    'StartLimitIntervalSec=60',
    'StartLimitBurst=5',
    '',
    '[Service]',
    '# exec: systemd reports a failed start when node itself cannot be executed.',
    'Type=exec',
    '# The node that installed this unit (absolute: systemd does not search PATH the same way) runs this package\'s CLI.',
    `ExecStart=${s.node} ${s.mainJs} start ${s.config}`,
    `# root: containers (mount, pid and user namespaces, pivot_root), cgroup limits and each function's RunAs uid/gid all need it.`,
    '# Another user runs functions without isolation only (set Nanolambda.Runtime.AllowIsolationFallback).',
    `User=${s.user}`,
    ...(stateName !== undefined
      ? [
          `# systemd creates ${s.stateDir} (Nanolambda.StateDir: event store, credentials, control socket), owned by User=, 0700.`,
          `StateDirectory=${stateName}`,
          'StateDirectoryMode=0700',
        ]
      : [`# Nanolambda.StateDir is ${s.stateDir}, outside /var/lib: the installer created it with mode 0700.`]),
    ...(s.logDir === DEFAULT_LOG_DIR
      ? [
          `# systemd creates ${DEFAULT_LOG_DIR} (Nanolambda.LogDir: function and runtime logs), owned by User=, 0700.`,
          'LogsDirectory=nanolambda',
          'LogsDirectoryMode=0700',
        ]
      : [`# Nanolambda.LogDir is ${s.logDir}: the runtime creates it.`]),
    '# A crash restarts the runtime; a clean stop (exit 0 after SIGTERM) does not.',
    'Restart=on-failure',
    'RestartSec=2s',
    '# SIGTERM reaches the runtime alone: it drains in-flight invocations and stops its workers itself.',
    '# The default (control-group) would signal the functions at the same time and cut their work short.',
    'KillMode=mixed',
    `# The runtime's drain (Nanolambda.Runtime.ShutdownGraceSeconds) plus time to stop workers and close its stores; SIGKILL after.`,
    `TimeoutStopSec=${s.timeoutStopSec}s`,
    '# The runtime creates cgroups below its own for function memory and pids limits: systemd must leave them alone.',
    'Delegate=yes',
    '# Every worker holds pipes, sockets and shared memory: the default 1024 runs out with many workers.',
    'LimitNOFILE=65536',
    '# Function workers and their threads count as tasks: the runtime limits them per function, not systemd.',
    'TasksMax=infinity',
    '# Left out on purpose: ProtectControlGroups (blocks the cgroup writes), ProtectKernelTunables, PrivateDevices',
    '# (containers bind devices the group grants), ProtectSystem=strict, RestrictNamespaces, SystemCallFilter,',
    '# NoNewPrivileges (the launcher switches uid/gid and enters namespaces) and MemoryDenyWriteExecute (breaks V8\'s JIT).',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
