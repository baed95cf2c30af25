#!/usr/bin/env node
// Regenerates control-vectors.json with protobufjs, the reference encoder
// the TypeScript side uses. Run from anywhere: node native/wire/vectors/generate.js
//
// Each vector is {name, frame, hex}: frame is the protobufjs JSON form
// (toObject/fromObject: camelCase keys, bytes base64, enums by name, only
// non-default fields), hex the encoded Frame body. Vectors that also carry
// canonicalHex are decode-only: hex is input a peer may send (explicit
// defaults, unknown fields, non-minimal varints, a repeated submessage) and
// canonicalHex is what both encoders produce for the decoded frame.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const root = protobuf.loadSync(path.join(__dirname, '..', 'control.proto'));
const Frame = root.lookupType('nanolambda.wire.Frame');
const toObjectOptions = { bytes: String, enums: String, longs: Number };
const normalize = (message) => Frame.toObject(message, { ...toObjectOptions, defaults: true });

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const allBytes = b64(Array.from({ length: 256 }, (_, i) => i));
const max32 = 4294967295;

const canonical = [
  ['hello', { hello: { pid: 4242, sdkVersion: '1.2.0' } }],
  ['hello empty', { hello: {} }],
  ['hello max pid', { hello: { pid: max32 } }],
  ['hello only version', { hello: { sdkVersion: 'nanolambda-csdk/0.1.0' } }],
  ['doorbell', { doorbell: {} }],
  ['shutdown', { shutdown: {} }],
  ['request without call', { request: { id: 7 } }],
  ['request empty', { request: {} }],
  ['request varint boundary 127', { request: { id: 127 } }],
  ['request varint boundary 128', { request: { id: 128 } }],
  ['request varint boundary 16384', { request: { id: 16384 } }],
  ['invoke full', {
    request: {
      id: max32,
      invoke: {
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:resize',
        qualifier: '7',
        clientContext: 'eyJjdXN0b20iOnsiYSI6MX19',
        event: true,
        payload: allBytes,
      },
    },
  }],
  ['invoke empty call', { request: { id: 1, invoke: {} } }],
  ['invoke request-response zero byte payload', {
    request: { id: 2, invoke: { functionArn: 'arn:aws:lambda:us-east-1:1:function:f', payload: b64([0]) } },
  }],
  ['invoke payload 300 bytes', { request: { id: 3, invoke: { payload: b64(Buffer.alloc(300, 0xab)) } } }],
  ['invoke payload 20000 bytes', { request: { id: 4, invoke: { payload: b64(Buffer.alloc(20000, 0x5a)) } } }],
  ['publish unicode topic all-or-error', {
    request: { id: 9, publish: { topic: 'capteurs/température/☃/😀', payload: b64(Buffer.from('{"t":21.5}')), policy: 'ALL_OR_ERROR' } },
  }],
  ['publish best effort empty payload', { request: { id: 10, publish: { topic: 'a/b' } } }],
  ['publish binary payload', { request: { id: 11, publish: { topic: 't', payload: b64([0, 255, 0, 128, 10, 13]) } } }],
  ['shadow get', { request: { id: 12, shadow: { thingName: 'pump-1' } } }],
  ['shadow update', { request: { id: 13, shadow: { op: 'UPDATE', thingName: 'pump-1', payload: b64(Buffer.from('{"state":{"desired":{"on":true}}}')) } } }],
  ['shadow delete', { request: { id: 14, shadow: { op: 'DELETE', thingName: 'ポンプ' } } }],
  ['shadow empty call', { request: { id: 15, shadow: {} } }],
  ['secret full', { request: { id: 16, secret: { secretId: 'db/password', versionId: 'v-1', versionStage: 'AWSCURRENT' } } }],
  ['secret id only', { request: { id: 17, secret: { secretId: 'x' } } }],
  ['reply success', { reply: { id: 9, payload: b64(Buffer.from('{"ok":true}')) } }],
  ['reply empty', { reply: {} }],
  ['reply handled', { reply: { id: 10, status: 'HANDLED', payload: b64(Buffer.from('{"errorMessage":"nope"}')) } }],
  ['reply unhandled', { reply: { id: 11, status: 'UNHANDLED' } }],
  ['reply unknown', { reply: { id: 12, status: 'UNKNOWN' } }],
  ['reply again max id', { reply: { id: max32, status: 'AGAIN' } }],
  ['reply binary payload', { reply: { id: 13, payload: allBytes } }],
];

// [name, hex a peer may send, the frame it means]
const decodeOnly = [
  ['explicit defaults in hello', '0a0408001200', { hello: {} }],
  ['explicit defaults in invoke', '1a0e0800120a0a0012001a0020002a00', { request: { invoke: {} } }],
  ['explicit default enums', '220408001000', { reply: {} }],
  // field 15 varint, 16 fixed64, 15 fixed32, 14 bytes, then a hello with
  // unknown fields 5 (varint) and 11 (bytes) between its own.
  ['unknown fields skipped', '7805' + '8101' + '0102030405060708' + '7d' + '01020304' + '7201ff' +
    '0a0c' + '0801' + '2801' + '5a03616263' + '120178', { hello: { pid: 1, sdkVersion: 'x' } }],
  ['unknown field in doorbell', '12027801', { doorbell: {} }],
  ['non-minimal varints', '22050881808000', { reply: { id: 1 } }],
  ['repeated submessage replaces', '0a0208010a020802', { hello: { pid: 2 } }],
  ['unknown enum value', '2202104d', { reply: { status: 77 } }],
  ['uint32 keeps low 32 bits', '2206088080808010', { reply: {} }],
];

function sameFrame(a, b) {
  return JSON.stringify(sortKeys(normalize(a))) === JSON.stringify(sortKeys(normalize(b)));
}
function sortKeys(v) {
  if (Array.isArray(v) || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}

const vectors = [];
for (const [name, frame] of canonical) {
  const err = Frame.verify(frame);
  if (err && !/enum/.test(err)) throw new Error(`${name}: ${err}`);
  const message = Frame.fromObject(frame);
  const hex = Buffer.from(Frame.encode(message).finish()).toString('hex');
  if (!sameFrame(Frame.decode(Buffer.from(hex, 'hex')), message)) throw new Error(`${name}: does not round-trip`);
  vectors.push({ name, frame, hex });
}
for (const [name, hex, frame] of decodeOnly) {
  const decoded = Frame.decode(Buffer.from(hex, 'hex'));
  const message = Frame.fromObject(frame);
  if (!sameFrame(decoded, message)) {
    throw new Error(`${name}: protobufjs decodes ${JSON.stringify(Frame.toObject(decoded, toObjectOptions))}`);
  }
  const canonicalHex = Buffer.from(Frame.encode(message).finish()).toString('hex');
  vectors.push({ name, frame, hex, canonicalHex });
}

const out = path.join(__dirname, 'control-vectors.json');
fs.writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${vectors.length} vectors to ${path.relative(process.cwd(), out)}`);
