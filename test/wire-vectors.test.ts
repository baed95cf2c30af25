// The control-frame codec on both sides of the bridge agrees byte for byte:
// protobufjs (TypeScript side) and native/wire/nlw_control.c (C side) are
// both checked against native/wire/vectors/control-vectors.json.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileC, repoRoot, sanitizerEnv, wireDir, wireSources } from './helpers/wire-cc';

interface Vector {
  name: string;
  frame: Record<string, unknown>;
  hex: string;
  canonicalHex?: string;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const vectors = require(path.join(wireDir, 'vectors', 'control-vectors.json')) as Vector[];
const root = protobuf.loadSync(path.join(wireDir, 'control.proto'));
const Frame = root.lookupType('nanolambda.wire.Frame');
const jsonForm = { bytes: String, enums: String, longs: Number };

describe('control vectors', () => {
  it('cover every frame body, every call and every status', () => {
    const seen = new Set<string>();
    for (const v of vectors) {
      for (const [body, value] of Object.entries(v.frame)) {
        seen.add(body);
        for (const key of Object.keys(value as object)) seen.add(`${body}.${key}`);
      }
    }
    for (const key of ['hello', 'doorbell', 'shutdown', 'request', 'reply', 'request.invoke', 'request.publish', 'request.shadow', 'request.secret']) {
      expect(seen, key).toContain(key);
    }
    const statuses = new Set(vectors.map((v) => (v.frame.reply as { status?: string } | undefined)?.status));
    for (const s of ['HANDLED', 'UNHANDLED', 'UNKNOWN', 'AGAIN']) expect(statuses).toContain(s);
  });

  describe('protobufjs', () => {
    for (const v of vectors) {
      it(`encodes and decodes: ${v.name}`, () => {
        const message = Frame.fromObject(v.frame);
        const encoded = Buffer.from(Frame.encode(message).finish()).toString('hex');
        expect(encoded).toBe(v.canonicalHex ?? v.hex);
        const decoded = Frame.decode(Buffer.from(v.hex, 'hex'));
        expect(Frame.toObject(decoded, { ...jsonForm, defaults: true })).toEqual(
          Frame.toObject(message, { ...jsonForm, defaults: true }),
        );
      });
    }
  });

  describe('nlw_control.c', () => {
    let decodedByName: Map<string, unknown>;

    beforeAll(() => {
      const program = compileC({
        output: 'test_control_vectors',
        sources: [path.join(wireDir, 'test', 'test_control_vectors.c'), ...wireSources],
        sanitize: true,
      });
      const input = vectors.map((v) => [v.name, v.hex, v.canonicalHex ?? v.hex].join('\t')).join('\n') + '\n';
      // Exits non-zero (and execFileSync throws) on a decode failure or a
      // re-encoding that differs from the expected bytes.
      const output = execFileSync(program, [], {
        input,
        cwd: repoRoot,
        env: { ...process.env, ...sanitizerEnv },
        maxBuffer: 64 * 1024 * 1024,
      }).toString('utf8');
      decodedByName = new Map(
        output
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const tab = line.indexOf('\t');
            return [line.slice(0, tab), JSON.parse(line.slice(tab + 1))];
          }),
      );
    });

    for (const v of vectors) {
      it(`decodes the fields of: ${v.name}`, () => {
        expect(decodedByName.get(v.name)).toEqual(v.frame);
      });
    }
  });
});
