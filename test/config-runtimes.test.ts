// Python, Node.js and custom-runtime functions in a group file: the runtime
// from FunctionRuntimeOverride (or Nanolambda.Functions' Runtime), the handler
// in Executable, the code a directory; and the refusals, each naming the
// field and the input.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGroup } from '../src/config/load-group';
import { arn, tempDir, writeScript } from './config-fixtures';

// Made when the file loads: the refusal table below names paths in it.
const dir = tempDir();
beforeAll(() => {
  fs.mkdirSync(path.join(dir, 'py'));
  fs.writeFileSync(path.join(dir, 'py/app.py'), 'def handler(e, c): return e\n');
  writeScript(dir, 'custom/bootstrap');
  writeScript(dir, 'no-bootstrap/run');
  writeScript(dir, 'exe');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const F = arn('f', '1');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function group(configuration: Json, code: string, functions: Json = {}): Json {
  return {
    FunctionDefinitionVersion: {
      DefaultConfig: { Execution: { IsolationMode: 'NoContainer' } },
      Functions: [{ Id: 'f', FunctionArn: F, FunctionConfiguration: configuration }],
    },
    Nanolambda: { Code: { [F]: code }, Functions: functions },
  };
}
const load = (g: Json) => parseGroup(g, 'group.json', dir).functions[0]!;
const refused = (g: Json) => {
  try {
    load(g);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('function runtimes in a group file', () => {
  it('takes a Python function: runtime from FunctionRuntimeOverride, handler from Executable, json by default', () => {
    const fn = load(group({ Executable: 'app.handler', FunctionRuntimeOverride: 'python3.11' }, 'py'));
    expect(fn).toMatchObject({ runtime: 'python', runtimeId: 'python3.11', handler: 'app.handler', encoding: 'json', codeRoot: path.join(dir, 'py') });
  });

  it("takes the runtime from Nanolambda.Functions' Runtime when the entry does not say", () => {
    const fn = load(group({ Executable: 'index.handler', EncodingType: 'binary' }, 'py', { [F]: { Runtime: 'nodejs20.x' } }));
    expect(fn).toMatchObject({ runtime: 'nodejs', runtimeId: 'nodejs20.x', encoding: 'binary' });
  });

  it('runs a custom runtime from its code directory’s bootstrap, and an executable as before', () => {
    expect(load(group({ Executable: 'my.handler', FunctionRuntimeOverride: 'provided.al2' }, 'custom'))).toMatchObject({
      runtime: 'provided',
      handler: 'my.handler',
      executable: path.join(dir, 'custom/bootstrap'),
    });
    expect(load(group({ Executable: 'exe' }, 'exe'))).toMatchObject({ runtime: 'executable', executable: path.join(dir, 'exe'), encoding: 'binary' });
  });

  it("refuses another architecture than this machine's for Python, Node.js and custom runtimes, naming why; a C executable may have one", () => {
    const host = process.arch === 'arm64' ? 'arm64' : 'x86_64';
    const foreign = host === 'arm64' ? 'x86_64' : 'arm64';
    const at = 'group.json: FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Architectures: ';
    expect(refused(group({ Executable: 'app.handler', FunctionRuntimeOverride: 'python3.11', Architectures: [foreign] }, 'py'))).toBe(
      `${at}python3.11 functions run on this machine's own python3 (${host}), not under an emulator, so their code and native ` +
        `modules must be ${host}: leave Architectures out or set it to ["${host}"]`,
    );
    expect(refused(group({ Executable: 'index.handler', FunctionRuntimeOverride: 'nodejs20.x', Architectures: [foreign] }, 'py'))).toContain(
      `${at}nodejs20.x functions run on this machine's own node (${host})`,
    );
    expect(refused(group({ Executable: 'my.handler', FunctionRuntimeOverride: 'provided.al2', Architectures: [foreign] }, 'custom'))).toContain(
      `${at}a custom runtime's bootstrap of another architecture is not supported (running it under qemu-user is untested)`,
    );
    // This machine's own, written out, is what leaving it out means.
    expect(load(group({ Executable: 'app.handler', FunctionRuntimeOverride: 'python3.11', Architectures: [host] }, 'py')).architecture).toBe(host);
    // A C executable (here a script, which has no ELF header to disagree) may be declared foreign: the deployment checks the machine.
    expect(load(group({ Executable: 'exe', Architectures: [foreign] }, 'exe')).architecture).toBe(foreign);
  });

  it.each([
    [
      'Java',
      group({ Executable: 'example.Handler::handleRequest', FunctionRuntimeOverride: 'java21' }, 'py'),
      'group.json: FunctionDefinitionVersion.Functions[0].FunctionConfiguration.FunctionRuntimeOverride: nanolambda runs C executables',
    ],
    [
      'a handler without a function',
      group({ Executable: 'app', FunctionRuntimeOverride: 'python3.11' }, 'py'),
      'FunctionConfiguration.Executable: python3.11 takes a handler here, found the string "app": expected <module>.<function>',
    ],
    [
      'a handler going up',
      group({ Executable: '../x.handler', FunctionRuntimeOverride: 'nodejs20.x' }, 'py'),
      'the module must be inside the code',
    ],
    [
      'Python code that is a file',
      group({ Executable: 'app.handler', FunctionRuntimeOverride: 'python3.11' }, 'exe'),
      `Nanolambda.Code["${F}"]: python3.11 code must be a directory holding the handler's module, found the string "${path.join(dir, 'exe')}"`,
    ],
    ['a custom runtime without a bootstrap', group({ Executable: 'x.y', FunctionRuntimeOverride: 'provided' }, 'no-bootstrap'), 'bootstrap'],
    ['an unknown runtime setting', group({ Executable: 'exe' }, 'exe', { [F]: { Runtime: 'cobol85' } }), 'Nanolambda.Functions'],
  ])('refuses %s, naming the field', (_what, g, message) => {
    expect(refused(g)).toContain(message);
  });
});
