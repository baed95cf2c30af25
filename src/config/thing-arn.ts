// AWS IoT thing ARNs, which name client devices in subscriptions and device
// definitions: arn:aws:iot:<region>:<account>:thing/<name>, the name being
// 1-128 characters of [a-zA-Z0-9:_-] (AWS IoT's rule, which also keeps '/',
// '+' and '#' out of the shadow topics built from it).

export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
/** arn:<partition>:iot:<region>:<account>: */
const IOT_ARN_PREFIX = 'arn:aws(-[a-z]+)*:iot:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:';
export const THING_ARN = new RegExp(`^${IOT_ARN_PREFIX}thing/[a-zA-Z0-9:_-]{1,128}$`);
/** AWS IoT's certificate id is the SHA-256 of the certificate, in hex. */
export const CERTIFICATE_ARN = new RegExp(`^${IOT_ARN_PREFIX}cert/(?<id>[0-9a-fA-F]{64})$`);

/** The thing name of a (valid) thing ARN. */
export function thingNameOf(thingArn: string): string {
  return thingArn.slice(thingArn.indexOf(':thing/') + ':thing/'.length);
}
