import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** The name the stack's certificates carry besides 127.0.0.1 (Node warns when TLS is asked to check an IP address by name). */
export const STACK_TLS_SERVER_NAME = 'localhost';

export interface ServingCertificate {
  /** The stack's CA certificate: what clients trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A CA made for one stack and a serving certificate it signs for https://127.0.0.1 for each of
 * `names` (Keycloak and Temporal's frontend in the production profile). Clients trust the CA, as
 * they would a platform's; no TLS check is turned off anywhere. A new CA and certificates on every
 * `stack up`; a restart of a server reuses them.
 */
export async function writeServingCertificates<N extends string>(dir: string, names: readonly N[]): Promise<Record<N, ServingCertificate>> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  // EC is generated in milliseconds; SHA-256 because Go and Java refuse SHA-1 signatures.
  const ca = await generate([{ name: 'commonName', value: 'kagenti-waypoint stack CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const written = {} as Record<N, ServingCertificate>;
  for (const name of names) {
    const serving = await generate([{ name: 'commonName', value: name }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: STACK_TLS_SERVER_NAME }] },
      ],
    });
    const files = servingCertificateFiles(dir, name);
    writeFileSync(files.certFile, serving.cert);
    writeFileSync(files.keyFile, serving.private, { mode: 0o600 });
    written[name] = files;
  }
  writeFileSync(stackCaFile(dir), ca.cert);
  return written;
}

/**
 * Makes this process trust the stack's CA besides the system's, as NODE_EXTRA_CA_CERTS does for
 * the processes started with it (that variable is read only when a process starts).
 */
export function trustCa(caFile: string): void {
  const ca = readFileSync(caFile, 'utf8');
  const fingerprint = new X509Certificate(ca).fingerprint256;
  const trusted = getCACertificates('default');
  if (!trusted.some((pem) => new X509Certificate(pem).fingerprint256 === fingerprint)) setDefaultCACertificates([...trusted, ca]);
}

/**
 * The CAs processes started for this stack trust besides Node's own: those NODE_EXTRA_CA_CERTS
 * already names here (a machine's or a company's), and the stack's. Written beside the stack's CA
 * and given as NODE_EXTRA_CA_CERTS, which takes one file.
 */
export function writeExtraCaBundle(dir: string, caFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const bundle = join(dir, 'pki', 'extra-ca-certs.pem');
  const inherited = env.NODE_EXTRA_CA_CERTS && env.NODE_EXTRA_CA_CERTS !== bundle && existsSync(env.NODE_EXTRA_CA_CERTS) ? readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8') : '';
  writeFileSync(bundle, `${inherited.trimEnd()}\n${readFileSync(caFile, 'utf8')}`.trimStart());
  return bundle;
}

/** The files writeServingCertificates wrote for `name`, for a server started again. */
export function servingCertificateFiles(dir: string, name: string): ServingCertificate {
  const pki = join(dir, 'pki');
  return { caFile: stackCaFile(dir), certFile: join(pki, `${name}.crt`), keyFile: join(pki, `${name}.key`) };
}

function stackCaFile(dir: string): string {
  return join(dir, 'pki', 'stack-ca.crt');
}
