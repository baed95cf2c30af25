// The C SDK is a drop-in for the public libaws-greengrass-core-sdk-c.so:
// same symbols under the same version nodes, same enum values and struct
// layouts, and a program linked against a stub library runs on ours.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHarness,
  ensureSdk,
  hasTool,
  libPath,
  results,
  root,
  run,
  runHarness,
  sdkInclude,
  sdkLib,
  tempDir,
} from './fixtures/csdk-build';

const V10 = 'aws_greengrass_core_sdk_c_1.0';
const V11 = 'aws_greengrass_core_sdk_c_1.1';
const V12 = 'aws_greengrass_core_sdk_c_1.2';

const expectedSymbols: Record<string, string> = {
  gg_global_init: V10,
  gg_log: V10,
  gg_request_init: V10,
  gg_request_reuse: V10,
  gg_request_close: V10,
  gg_request_read: V10,
  gg_runtime_start: V10,
  gg_lambda_handler_read: V10,
  gg_lambda_handler_write_response: V10,
  gg_lambda_handler_write_error: V10,
  gg_invoke: V10,
  gg_publish: V10,
  gg_get_thing_shadow: V10,
  gg_update_thing_shadow: V10,
  gg_delete_thing_shadow: V10,
  gg_get_secret_value: V11,
  gg_publish_options_init: V12,
  gg_publish_options_free: V12,
  gg_publish_options_set_queue_full_policy: V12,
  gg_publish_with_options: V12,
};

const canRun = hasTool('cc') && hasTool('objdump') && hasTool('readelf');
let dir = '';

beforeAll(() => {
  if (!canRun) return;
  ensureSdk();
  dir = tempDir('csdk-abi-');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('libaws-greengrass-core-sdk-c.so ABI', () => {
  it('exports exactly the 20 gg_ functions under their version nodes (objdump -T)', () => {
    const out = run('objdump', ['-T', libPath]);
    const found: Record<string, string> = {};
    for (const line of out.split('\n')) {
      // "... g    DF .text  0000000000000086  aws_greengrass_core_sdk_c_1.0 gg_log"
      const m = /\sDF\s+\.text\s+[0-9a-f]+\s+(\S+)\s+(\S+)$/.exec(line.trim());
      if (m) found[m[2]] = m[1];
    }
    expect(found).toEqual(expectedSymbols);
  });

  it('agrees with readelf --dyn-syms and keeps internals hidden', () => {
    const out = run('readelf', ['--dyn-syms', '-W', libPath]);
    const defined = out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 8 && f[3] === 'FUNC' && f[4] === 'GLOBAL' && f[6] !== 'UND')
      .map((f) => f[7]);
    const names = defined.map((n) => n.replace(/@@?.*$/, '')).sort();
    expect(names).toEqual(Object.keys(expectedSymbols).sort());
    for (const d of defined) {
      const [name, version] = d.split(/@@?/);
      expect(version).toBe(expectedSymbols[name]);
    }
  });

  it('has the public soname with no version suffix', () => {
    const out = run('readelf', ['-d', libPath]);
    expect(out).toMatch(/SONAME\)\s+Library soname: \[libaws-greengrass-core-sdk-c\.so\]/);
  });
});

// Enum values and struct layouts, as the public 1.2 header defines them. The
// reference structs below restate that layout; the compiler compares.
const layoutProgram = `
#include <stddef.h>
#include "greengrasssdk.h"
#define CHECK(name, cond) typedef char name[(cond) ? 1 : -1]
CHECK(e1, GGE_SUCCESS == 0 && GGE_OUT_OF_MEMORY == 1 && GGE_INVALID_PARAMETER == 2);
CHECK(e2, GGE_INVALID_STATE == 3 && GGE_INTERNAL_FAILURE == 4 && GGE_TERMINATE == 5);
CHECK(e3, GGE_RESERVED_MAX == 6 && GGE_RESERVED_PAD == 0x7FFFFFFF);
CHECK(s1, GG_REQUEST_SUCCESS == 0 && GG_REQUEST_HANDLED == 1 && GG_REQUEST_UNHANDLED == 2);
CHECK(s2, GG_REQUEST_UNKNOWN == 3 && GG_REQUEST_AGAIN == 4 && GG_REQUEST_RESERVED_MAX == 5);
CHECK(s3, GG_REQUEST_RESERVED_PAD == 0x7FFFFFFF);
CHECK(i1, GG_INVOKE_EVENT == 0 && GG_INVOKE_REQUEST_RESPONSE == 1 && GG_INVOKE_RESERVED_MAX == 2);
CHECK(i2, GG_INVOKE_RESERVED_PAD == 0x7FFFFFFF);
CHECK(r1, GG_RT_OPT_ASYNC == 1 && GG_RT_OPT_RESERVED_PAD == 0x7FFFFFFF);
CHECK(q1, GG_QUEUE_FULL_POLICY_BEST_EFFORT == 0 && GG_QUEUE_FULL_POLICY_ALL_OR_ERROR == 1);
CHECK(q2, GG_QUEUE_FULL_POLICY_RESERVED_MAX == 2 && GG_QUEUE_FULL_POLICY_RESERVED_PAD == 0x7FFFFFFF);
CHECK(l1, GG_LOG_RESERVED_NOTSET == 0 && GG_LOG_DEBUG == 1 && GG_LOG_INFO == 2 && GG_LOG_WARN == 3);
CHECK(l2, GG_LOG_ERROR == 4 && GG_LOG_FATAL == 5 && GG_LOG_RESERVED_MAX == 6);
CHECK(l3, GG_LOG_RESERVED_PAD == 0x7FFFFFFF);
CHECK(z1, sizeof(gg_error) == 4 && sizeof(gg_request_status) == 4 && sizeof(gg_invoke_type) == 4);
CHECK(z2, sizeof(gg_runtime_opt) == 4 && sizeof(gg_queue_full_policy_options) == 4);
CHECK(z3, sizeof(gg_log_level) == 4 && sizeof(gg_request) == sizeof(void *));
CHECK(z4, sizeof(gg_publish_options) == sizeof(void *));
struct ref_invoke { const char *a; const char *b; const char *c; int t; const void *p; size_t n; };
CHECK(o1, sizeof(gg_invoke_options) == sizeof(struct ref_invoke));
CHECK(o2, offsetof(gg_invoke_options, function_arn) == offsetof(struct ref_invoke, a));
CHECK(o3, offsetof(gg_invoke_options, customer_context) == offsetof(struct ref_invoke, b));
CHECK(o4, offsetof(gg_invoke_options, qualifier) == offsetof(struct ref_invoke, c));
CHECK(o5, offsetof(gg_invoke_options, type) == offsetof(struct ref_invoke, t));
CHECK(o6, offsetof(gg_invoke_options, payload) == offsetof(struct ref_invoke, p));
CHECK(o7, offsetof(gg_invoke_options, payload_size) == offsetof(struct ref_invoke, n));
CHECK(c1, sizeof(gg_lambda_context) == 2 * sizeof(char *));
CHECK(c2, offsetof(gg_lambda_context, function_arn) == 0);
CHECK(c3, offsetof(gg_lambda_context, client_context) == sizeof(char *));
CHECK(g1, sizeof(gg_request_result) == 4 && offsetof(gg_request_result, request_status) == 0);
/* Signatures: assigning to pointers of the public types fails to compile on
 * any mismatch. */
static gg_error (*f1)(uint32_t) = gg_global_init;
static gg_error (*f2)(gg_log_level, const char *, ...) = gg_log;
static gg_error (*f3)(gg_request *) = gg_request_init;
static gg_error (*f4)(gg_request) = gg_request_close;
static gg_error (*f5)(gg_request) = gg_request_reuse;
static gg_error (*f6)(gg_request, void *, size_t, size_t *) = gg_request_read;
static gg_error (*f7)(gg_lambda_handler, uint32_t) = gg_runtime_start;
static gg_error (*f8)(void *, size_t, size_t *) = gg_lambda_handler_read;
static gg_error (*f9)(const void *, size_t) = gg_lambda_handler_write_response;
static gg_error (*f10)(const char *) = gg_lambda_handler_write_error;
static gg_error (*f11)(gg_request, const char *, const char *, const char *, gg_request_result *) = gg_get_secret_value;
static gg_error (*f12)(gg_request, const gg_invoke_options *, gg_request_result *) = gg_invoke;
static gg_error (*f13)(gg_publish_options *) = gg_publish_options_init;
static gg_error (*f14)(gg_publish_options) = gg_publish_options_free;
static gg_error (*f15)(gg_publish_options, gg_queue_full_policy_options) = gg_publish_options_set_queue_full_policy;
static gg_error (*f16)(gg_request, const char *, const void *, size_t, const gg_publish_options, gg_request_result *) = gg_publish_with_options;
static gg_error (*f17)(gg_request, const char *, const void *, size_t, gg_request_result *) = gg_publish;
static gg_error (*f18)(gg_request, const char *, gg_request_result *) = gg_get_thing_shadow;
static gg_error (*f19)(gg_request, const char *, const char *, gg_request_result *) = gg_update_thing_shadow;
static gg_error (*f20)(gg_request, const char *, gg_request_result *) = gg_delete_thing_shadow;
int main(void)
{
    return f1 && f2 && f3 && f4 && f5 && f6 && f7 && f8 && f9 && f10 && f11 && f12 &&
           f13 && f14 && f15 && f16 && f17 && f18 && f19 && f20 ? 0 : 1;
}
`;

describe.skipIf(!canRun)('greengrasssdk.h', () => {
  it('has the public enum values, struct layouts and signatures (C89, links)', () => {
    const src = join(dir, 'layout.c');
    writeFileSync(src, layoutProgram);
    const exe = join(dir, 'layout-c');
    run('cc', [
      '-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wno-unused-local-typedefs',
      `-I${sdkInclude}`, src, `-L${sdkLib}`, '-laws-greengrass-core-sdk-c', '-o', exe,
    ]);
    const r = spawnSync(exe, [], { env: { ...process.env, LD_LIBRARY_PATH: sdkLib } });
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasTool('g++'))('compiles as C++98 and C++17 too', () => {
    const src = join(dir, 'layout.cpp');
    writeFileSync(src, layoutProgram);
    for (const std of ['c++98', 'c++17']) {
      run('g++', [
        `-std=${std}`, '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wno-unused-local-typedefs',
        `-I${sdkInclude}`, src, `-L${sdkLib}`, '-laws-greengrass-core-sdk-c', '-o', join(dir, `layout-${std}`),
      ]);
    }
  });
});

describe.skipIf(!canRun)('a program built against a stub runs on our library', () => {
  let stubDir = '';
  let probe = '';

  beforeAll(() => {
    if (!canRun) return;
    stubDir = join(dir, 'stub');
    run('mkdir', ['-p', stubDir]);
    run('cc', [
      '-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-shared', '-fPIC',
      `-I${join(root, 'csdk', 'include')}`,
      '-Wl,-soname,libaws-greengrass-core-sdk-c.so',
      `-Wl,--version-script=${join(root, 'csdk', 'version', 'greengrasssdk.map')}`,
      join(root, 'csdk', 'test', 'stub', 'stub.c'),
      '-o', join(stubDir, 'libaws-greengrass-core-sdk-c.so'),
    ]);
    probe = join(dir, 'abi_probe');
    run('cc', [
      '-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wconversion',
      `-I${join(root, 'csdk', 'include')}`, join(root, 'csdk', 'test', 'abi_probe.c'),
      `-L${stubDir}`, '-laws-greengrass-core-sdk-c',
      '-Wl,--enable-new-dtags', `-Wl,-rpath,${stubDir}`, '-pthread', '-o', probe,
    ]);
  });

  it('links with a RUNPATH and versioned references to all three nodes', () => {
    const dyn = run('readelf', ['-d', probe]);
    expect(dyn).toContain('(RUNPATH)');
    expect(dyn).not.toContain('(RPATH)');
    expect(dyn).toContain('[libaws-greengrass-core-sdk-c.so]');
    const syms = run('objdump', ['-T', probe]);
    // Every gg_ function the probe calls is bound to its version node.
    for (const [name, version] of Object.entries(expectedSymbols)) {
      expect(syms).toMatch(new RegExp(`\\*UND\\*\\s+[0-9a-f]+\\s+\\(?${version.replace(/\./g, '\\.')}\\)?\\s+${name}$`, 'm'));
    }
  });

  it('runs the stub by default (its RUNPATH)', () => {
    const r = spawnSync(probe, [], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: '' } });
    expect(r.stderr).toContain('nanolambda test stub: gg_global_init called');
    expect(r.status).toBe(6);
  });

  it('binds every versioned symbol of our library at start (LD_BIND_NOW) and runs standalone', () => {
    const r = spawnSync(probe, [], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: sdkLib, LD_BIND_NOW: '1' },
    });
    expect(r.stderr).not.toContain('stub');
    expect(r.stderr).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]\[INFO\]-probe: starting, read outside a handler gives 3$/m);
    expect(r.stderr).toContain('must be started by the nanolambda runtime');
    expect(r.status).toBe(3); // GGE_INVALID_STATE
  });

  it('behaves as a real worker with our library first on LD_LIBRARY_PATH', () => {
    const harness = buildHarness(dir);
    for (const args of [[], ['async']]) {
      const events = runHarness(
        harness,
        probe,
        [
          'invoke - validate',
          'invoke - publish a/b hello',
          'invoke - invoke arn:aws:lambda:us-east-1:1:function:other hi',
          'invoke - secret s1',
          'invoke - twice',
          'invoke - parallel',
          'sigterm',
        ],
        { lib: sdkLib, args, env: { HARNESS_QUEUE_FULL: '1' } },
      );
      const res = results(events).map((e) => e.payload);
      expect(res).toEqual([
        'ok',
        'err=0 status=4',
        'err=0 status=0 body=invoked arn:aws:lambda:us-east-1:1:function:other event=0: hi event_err=0 event_status=0',
        expect.stringMatching(/^err=0 status=2 body=\{"errorMessage":/),
        'first',
        'parallel ok=200',
      ]);
      expect(events.find((e) => e.event === 'exit')).toMatchObject({ code: 0, signal: 0 });
    }
  });
});
