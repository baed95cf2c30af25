// The payload a watched directory sends for a new file: one S3
// "ObjectCreated:Put" notification record, the event of the classic
// "S3 triggers Lambda" tutorial, so code written for S3 runs unchanged.

export interface ObjectCreatedFields {
  region: string;
  /** When the file was last written (its mtime), epoch ms. */
  eventTimeMs: number;
  /** The mapping's UUID (S3 puts the notification configuration's id here). */
  configurationId: string;
  bucket: string;
  /** The path relative to the watched directory, '/'-separated, not encoded. */
  key: string;
  size: number;
  /** MD5 of the content, hex (S3's ETag of a single-part upload). */
  eTag: string;
  /** Grows with each write of the same key (hex of the mtime in ns), as S3's sequencer does. */
  sequencer: string;
}

export function objectCreatedEvent(fields: ObjectCreatedFields): Buffer {
  return Buffer.from(
    JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: fields.region,
          eventTime: new Date(fields.eventTimeMs).toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: fields.configurationId,
            bucket: { name: fields.bucket, arn: `arn:aws:s3:::${fields.bucket}` },
            object: { key: encodeS3Key(fields.key), size: fields.size, eTag: fields.eTag, sequencer: fields.sequencer },
          },
        },
      ],
    }),
  );
}

/**
 * A key as S3 notifications carry it: form-URL-encoded (a space is '+',
 * "red flower.jpg" -> "red+flower.jpg"), '/' kept, so handlers decode it with
 * unquote_plus / decodeURIComponent(key.replace(/\+/g, ' ')) as they do for S3.
 */
export function encodeS3Key(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_*/]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
