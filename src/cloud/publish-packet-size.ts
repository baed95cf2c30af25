// The size on the wire of the MQTT 5 PUBLISH (QoS 1, no properties) that
// carries a queued message: a broker advertises the largest packet it takes
// (CONNACK Maximum Packet Size; AWS IoT Core: 128 KB of payload), and a
// larger one would be refused or cut the connection on every attempt.

export function publishPacketBytes(topic: string, payload: Buffer): number {
  // Topic (length-prefixed), packet id, properties length (0), payload.
  const remaining = 2 + Buffer.byteLength(topic, 'utf8') + 2 + 1 + payload.length;
  return 1 + variableByteIntegerLength(remaining) + remaining;
}

function variableByteIntegerLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}
