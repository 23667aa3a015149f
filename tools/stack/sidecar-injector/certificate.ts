import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** Where the injector's serving certificate and key live in a stack folder. */
export function injectorCertificateFiles(dir: string): { cert: string; key: string } {
  return { cert: join(dir, 'pki', 'sidecar-injector.crt'), key: join(dir, 'pki', 'sidecar-injector.key') };
}

/**
 * A self-signed serving certificate for https://127.0.0.1 (no CA: the webhook's caBundle is the
 * certificate itself). A new one on every `stack up`; a restart of the injector reuses it.
 */
export async function writeInjectorCertificate(dir: string): Promise<void> {
  const files = injectorCertificateFiles(dir);
  mkdirSync(join(dir, 'pki'), { recursive: true, mode: 0o700 });
  const pems = await generate([{ name: 'commonName', value: 'kagenti-legacy-sidecar-injector' }], {
    // EC is generated in milliseconds; SHA-256 because Go (the apiserver) refuses SHA-1 signatures.
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  writeFileSync(files.key, pems.private, { mode: 0o600 });
  writeFileSync(files.cert, pems.cert);
}
