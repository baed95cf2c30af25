// Whether a listening address is this machine only: endpoints that skip
// authentication (Http.Auth "None", plaintext MQTT) are allowed there alone.
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
