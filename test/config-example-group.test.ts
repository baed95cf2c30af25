// The built-in example group: validated like a user's file, and a clear
// NATIVE_UNAVAILABLE when the example executables are not built. The package
// root is pointed at a temp dir so the test does not depend on the build.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir, writeScript } from './config-fixtures';

const NAMES = ['echo', 'publisher', 'invoker', 'invokee', 'crasher', 'hanger', 'allocator', 'counter'];
const arnOf = (name: string, q = '1') => `arn:aws:lambda:us-east-1:123456789012:function:${name}:${q}`;
const dirs: string[] = [];

async function withPackageRoot(root: string) {
  vi.resetModules();
  vi.doMock('../src/native/binding', () => ({ packageRoot: root }));
  return import('../src/examples/example-group');
}

afterEach(() => {
  vi.doUnmock('../src/native/binding');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeBuiltRoot(skip: string[] = []): string {
  const root = tempDir();
  dirs.push(root);
  for (const name of NAMES) if (!skip.includes(name)) writeScript(root, `sdk/libexec/nanolambda/examples/${name}`);
  return root;
}

describe('the example group', () => {
  it('loads every example with the documented settings', async () => {
    const root = fakeBuiltRoot();
    const { loadExampleGroup } = await withPackageRoot(root);
    const g = loadExampleGroup();
    const examples = path.join(root, 'sdk/libexec/nanolambda/examples');

    expect(g.file).toBe('<built-in>');
    expect(g.functions.map((f) => f.arn)).toEqual(NAMES.map((n) => arnOf(n)));
    for (const fn of g.functions) {
      expect(fn.executable).toBe(path.join(examples, fn.name));
      expect(fn.encoding).toBe('binary');
      expect(fn.isolationMode).toBe('NoContainer');
      expect(fn.memoryBytes).toBeUndefined();
      expect(fn.version).toBe('1');
      expect(fn.timeoutMs).toBe(fn.name === 'hanger' ? 1000 : 3000);
    }
    const byName = new Map(g.functions.map((f) => [f.name, f]));
    expect(byName.get('invoker')!.environment).toEqual({ INVOKEE_ARN: arnOf('invokee') });
    expect(byName.get('publisher')!.environment).toEqual({ PUBLISH_TOPIC: 'demo/events' });
    expect(g.subscriptions).toEqual([
      { id: 'publisher-to-counter', source: arnOf('publisher'), subject: 'demo/#', target: arnOf('counter') },
      { id: 'publisher-to-echo', source: arnOf('publisher'), subject: 'demo/events', target: arnOf('echo') },
    ]);
    expect(g.aliases).toEqual(new Map([[arnOf('echo', 'live'), '1']]));
    expect(g.http).toEqual({ host: '127.0.0.1', port: 3001 });
  });

  it('exampleGroupJson() written to a file loads the same way', async () => {
    const root = fakeBuiltRoot();
    const { exampleGroupJson } = await withPackageRoot(root);
    const { loadGroupFile } = await import('../src/config/load-group');
    const elsewhere = tempDir();
    dirs.push(elsewhere);
    const file = path.join(elsewhere, 'example-group.json');
    fs.writeFileSync(file, JSON.stringify(exampleGroupJson(), null, 2));
    const g = loadGroupFile(file);
    expect(g.file).toBe(file);
    expect(g.functions).toHaveLength(NAMES.length);
  });

  it('not built: NATIVE_UNAVAILABLE naming what is missing and what to run', async () => {
    const root = fakeBuiltRoot(['hanger', 'counter']);
    const { loadExampleGroup } = await withPackageRoot(root);
    let error: unknown;
    try {
      loadExampleGroup();
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).toBe('NATIVE_UNAVAILABLE');
    expect((error as Error).message).toBe(
      `The example executables are not built (missing in ${path.join(root, 'sdk/libexec/nanolambda/examples')}: hanger, counter): run \`npm install\` (or \`npm run build:csdk\`) in ${root}`,
    );
  });
});
