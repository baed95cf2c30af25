// Connection errors in words a gateway operator can act on. OpenSSL's own
// text ("80BC21B01D7F0000:error:0A000418:SSL routines:...") names neither
// the side at fault nor the config field to check.

/** TLS alerts by which a broker refuses our client certificate. */
const CLIENT_CERTIFICATE_ALERTS = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
]);

/** Node's codes for a server certificate that does not verify. */
const SERVER_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function describeConnectionError(error: Error): string {
  const { code, reason } = error as Error & { code?: unknown; reason?: unknown };
  // OpenSSL's text ends in a newline and carries its source location; the reason alone is the news.
  const text = typeof reason === 'string' ? reason : error.message.trim();
  if (typeof code === 'string' && CLIENT_CERTIFICATE_ALERTS.has(code)) {
    return `the broker refused our client certificate (${text}): check that Cloud.Tls.CertFile and KeyFile are a certificate the broker trusts and its key`;
  }
  if (typeof code === 'string' && SERVER_CERTIFICATE_CODES.has(code)) {
    return `the broker's certificate is not trusted (${text}): check that Cloud.Tls.CaFile is the CA that signed it (AWS IoT Core: Amazon Root CA 1)`;
  }
  return text;
}
