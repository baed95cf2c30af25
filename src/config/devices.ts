// DeviceDefinitionVersion.Devices[]: the client devices of the group, as the
// Greengrass API exports them:
//   { "Id": "...", "ThingArn": "arn:aws:iot:...:thing/<name>",
//     "CertificateArn": "arn:aws:iot:<region>:<account>:cert/<certificate id>", "SyncShadow": false }
// AWS IoT's certificate id is the SHA-256 of the certificate (DER), in hex:
// the device broker recognises a device by the client certificate it
// presents (see messaging/device-directory.ts). SyncShadow is accepted and
// not acted on (nanolambda's shadows are local only).
import { describe, type Fields } from './fields';
import { ID_PATTERN, ID_RULE } from './function-entry';
import { CERTIFICATE_ARN, THING_ARN, thingNameOf } from './thing-arn';

export interface DeviceSpec {
  id: string;
  thingArn: string;
  thingName: string;
  /** SHA-256 of the device's certificate (DER), lowercase hex. */
  certificateId: string;
}

export function parseDevices(body: Record<string, unknown>, path: string, f: Fields): DeviceSpec[] {
  f.onlyKeys(body, path, ['Devices']);
  const seen = new Map<string, string>();
  return f.array(body.Devices ?? [], `${path}.Devices`).map((item, i) => {
    const p = `${path}.Devices[${i}]`;
    const obj = f.object(item, p);
    f.onlyKeys(obj, p, ['Id', 'ThingArn', 'CertificateArn', 'SyncShadow']);
    const id = f.pattern(obj.Id, `${p}.Id`, ID_PATTERN, ID_RULE);
    const thingArn = f.pattern(obj.ThingArn, `${p}.ThingArn`, THING_ARN, 'a thing ARN (arn:aws:iot:<region>:<account>:thing/<name>)');
    const certArn = f.pattern(
      obj.CertificateArn,
      `${p}.CertificateArn`,
      CERTIFICATE_ARN,
      'a certificate ARN (arn:aws:iot:<region>:<account>:cert/<64 hex digits: the SHA-256 of the certificate>)',
    );
    if (obj.SyncShadow !== undefined) f.boolean(obj.SyncShadow, `${p}.SyncShadow`);
    for (const [key, what] of [
      [`id:${id}`, 'Id'],
      [`thing:${thingArn}`, 'ThingArn'],
      [`cert:${certArn.toLowerCase()}`, 'CertificateArn'],
    ] as const) {
      const earlier = seen.get(key);
      if (earlier !== undefined) throw f.error(`${p}.${what}`, `duplicate ${what} ${describe(key.slice(key.indexOf(':') + 1))}: ${earlier} has it too`);
      seen.set(key, p);
    }
    const certificateId = CERTIFICATE_ARN.exec(certArn)!.groups!.id!.toLowerCase();
    return { id, thingArn, thingName: thingNameOf(thingArn), certificateId };
  });
}
