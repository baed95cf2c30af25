// `nanolambda service install` as a real process writing into temp
// directories (--unit-dir, --config, --state-dir; never /etc): the unit's
// directives, the skeleton loaded by the project's own group parser,
// `systemd-analyze verify` on the unit, never overwriting a config, --force
// for the unit, and bad input refused before anything is written.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGroupFile } from '../src/config/load-group';
import { cli, ensureBuilt } from './helpers/cli';
import { repoRoot, tempDir } from './helpers/sdk';

/** Why `systemd-analyze verify` cannot judge units here, or undefined when it can. */
function verifyUnavailable(): string | undefined {
  const version = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return 'systemd-analyze is not installed';
  // Some machines cannot verify anything (no systemd at all to consult): try a unit that is surely valid.
  const dir = tempDir('service-probe');
  const probe = path.join(dir, 'probe.service');
  fs.writeFileSync(probe, '[Service]\nType=exec\nExecStart=/bin/true\n');
  const r = spawnSync('systemd-analyze', ['verify', probe], { encoding: 'utf8' });
  return r.status === 0 && `${r.stdout}${r.stderr}`.trim() === '' ? undefined : `systemd-analyze verify rejects even a minimal unit here: ${`${r.stdout}${r.stderr}`.trim()}`;
}
const noVerify = verifyUnavailable();
const hasVerify = noVerify === undefined;
if (!hasVerify) console.warn(`skipping the \`systemd-analyze verify\` checks: ${noVerify}`);

interface Setup {
  dir: string;
  unitDir: string;
  unitFile: string;
  config: string;
  stateDir: string;
}

function setup(name: string): Setup {
  const dir = tempDir(`service-${name}`);
  const unitDir = path.join(dir, 'units');
  fs.mkdirSync(unitDir);
  return { dir, unitDir, unitFile: path.join(unitDir, 'nanolambda.service'), config: path.join(dir, 'etc', 'group.json'), stateDir: path.join(dir, 'state') };
}

function install(s: Setup, extra: string[] = []) {
  return cli(['service', 'install', '--unit-dir', s.unitDir, '--config', s.config, '--state-dir', s.stateDir, ...extra], { cwd: s.dir });
}

/** The unit's directives (comments and blank lines dropped) as key -> values. */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

function verify(file: string): { status: number | null; stderr: string } {
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { status: r.status, stderr: `${r.stdout}${r.stderr}`.trim() };
}

beforeAll(() => ensureBuilt());

describe('nanolambda service install', () => {
  it('writes the unit and a skeleton the group parser loads, and creates the state directory 0700', async () => {
    const s = setup('fresh');
    const r = await install(s);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${s.unitFile}`);
    expect(r.stdout).toContain(`wrote ${s.config}`);
    expect(r.stdout).toContain(`created ${s.stateDir} (mode 0700)`);
    expect(r.stdout).toContain('systemctl daemon-reload && systemctl enable --now nanolambda');

    const unit = fs.readFileSync(s.unitFile, 'utf8');
    const d = directives(unit);
    expect(d.get('ExecStart')).toEqual([`${process.execPath} ${path.join(repoRoot, 'dist', 'cli', 'main.js')} start ${s.config}`]);
    expect(d.get('User')).toEqual(['root']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('KillMode')).toEqual(['mixed']);
    expect(d.get('Delegate')).toEqual(['yes']);
    expect(d.get('TasksMax')).toEqual(['infinity']);
    expect(d.get('LimitNOFILE')).toEqual(['65536']);
    expect(d.get('TimeoutStopSec')).toEqual(['30s']); // the default 5 s drain plus the margin
    expect(d.get('LogsDirectory')).toEqual(['nanolambda']);
    expect(d.get('LogsDirectoryMode')).toEqual(['0700']);
    expect(d.has('StateDirectory')).toBe(false); // outside /var/lib: the installer made it
    for (const blocked of ['ProtectControlGroups', 'ProtectKernelTunables', 'PrivateDevices', 'NoNewPrivileges', 'MemoryDenyWriteExecute']) {
      expect(d.has(blocked)).toBe(false);
    }
    // Every directive of [Service] has a comment line above it saying why.
    const lines = unit.split('\n');
    const service = lines.slice(lines.indexOf('[Service]') + 1, lines.indexOf('[Install]'));
    service.forEach((line, i) => {
      if (/^[A-Za-z]+=/.test(line) && !/^[A-Za-z]+=/.test(service[i - 1] ?? '')) expect(service[i - 1], `comment above ${line}`).toMatch(/^# /);
    });

    const group = loadGroupFile(s.config);
    expect(group.functions).toEqual([]);
    expect(group.stateDir).toBe(s.stateDir);
    expect(group.logDir).toBe('/var/log/nanolambda');
    expect(group.http).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(fs.statSync(s.stateDir).mode & 0o777).toBe(0o700);
  });

  describe.skipIf(!hasVerify)('systemd-analyze verify', () => {
    it('accepts the unit, and reports a broken copy of it (so the check can fail)', async () => {
      const s = setup('verify');
      expect((await install(s)).code).toBe(0);
      const good = verify(s.unitFile);
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
      // verify exits 0 on a bad value and only prints it: hence the empty-output check above.
      const broken = path.join(s.dir, 'broken.service');
      fs.writeFileSync(broken, fs.readFileSync(s.unitFile, 'utf8').replace('KillMode=mixed', 'KillMode=bogus'));
      expect(verify(broken).stderr).toContain('bogus');
    });
  });

  it('keeps an existing config, refuses to replace the unit without --force, and follows the config on --force', async () => {
    const s = setup('existing');
    expect((await install(s)).code).toBe(0);
    const json = JSON.parse(fs.readFileSync(s.config, 'utf8'));
    json.Nanolambda.Runtime = { ShutdownGraceSeconds: 60 };
    const edited = `${JSON.stringify(json, null, 2)}\n`;
    fs.writeFileSync(s.config, edited);
    const unitBefore = fs.readFileSync(s.unitFile, 'utf8');

    const refused = await install(s);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${s.unitFile} already exists: pass --force`);
    expect(fs.readFileSync(s.unitFile, 'utf8')).toBe(unitBefore);

    const forced = await install(s, ['--force', '--user', 'nanolambda']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`kept ${s.config}`);
    expect(forced.stdout).toContain('warning: User=nanolambda: without root');
    expect(fs.readFileSync(s.config, 'utf8')).toBe(edited);
    const d = directives(fs.readFileSync(s.unitFile, 'utf8'));
    expect(d.get('TimeoutStopSec')).toEqual(['85s']); // the config's 60 s drain plus the margin
    expect(d.get('User')).toEqual(['nanolambda']);
  });

  it('lets systemd create a state directory under /var/lib (StateDirectory=), creating nothing there itself', async () => {
    const s = setup('varlib');
    s.stateDir = `/var/lib/nanolambda-test-${process.pid}`;
    const r = await install(s);
    expect(r.code).toBe(0);
    const d = directives(fs.readFileSync(s.unitFile, 'utf8'));
    expect(d.get('StateDirectory')).toEqual([path.basename(s.stateDir)]);
    expect(d.get('StateDirectoryMode')).toEqual(['0700']);
    expect(fs.existsSync(s.stateDir)).toBe(false);
    expect(loadGroupFile(s.config).stateDir).toBe(s.stateDir);
  });

  it('refuses bad input with a message naming it, and writes nothing', async () => {
    const cases: Array<{ extra: string[]; message: string }> = [
      { extra: ['--user', 'Bad User'], message: "--user 'Bad User' is not a valid user name" },
      { extra: ['--state-dir', '/tmp/has space'], message: "--state-dir '/tmp/has space' contains \" \"" },
      { extra: ['--prefix', '/tmp'], message: "--prefix '/tmp' is not a built nanolambda package" },
      { extra: ['--unit-dir', '/nonexistent-unit-dir'], message: "--unit-dir '/nonexistent-unit-dir' does not exist" },
    ];
    for (const c of cases) {
      const s = setup('bad');
      const r = await install(s, c.extra);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(c.message);
      expect(fs.existsSync(s.unitFile)).toBe(false);
      expect(fs.existsSync(s.config)).toBe(false);
    }
    const s = setup('action');
    const wrong = await cli(['service', 'uninstall'], { cwd: s.dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown action 'uninstall'");
  });
});
