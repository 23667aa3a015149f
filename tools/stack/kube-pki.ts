import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A static-token identity of the test control plane. */
interface TokenUser {
  user: string;
  groups: string[];
}

/**
 * Identities written to the apiserver's token file. The controller manager, kwok (the kubelet
 * stand-in) and istiod run as cluster admins, as a single-binary test control plane does; the scheduler runs
 * under its own bootstrap RBAC role.
 */
const USERS: Record<string, TokenUser> = {
  admin: { user: 'admin', groups: ['system:masters'] },
  'kube-controller-manager': { user: 'system:kube-controller-manager', groups: ['system:masters'] },
  'kube-scheduler': { user: 'system:kube-scheduler', groups: [] },
  kwok: { user: 'kwok', groups: ['system:masters'] },
  istiod: { user: 'istiod', groups: ['system:masters'] },
};

/** Writes the service-account key and token file; returns the tokens by identity name. */
export function writeKubePki(dir: string): Record<string, string> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(pki, 'service-account.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  const tokens: Record<string, string> = {};
  const lines = Object.entries(USERS).map(([name, identity], index) => {
    tokens[name] = randomBytes(24).toString('hex');
    return `${tokens[name]},${identity.user},uid-${index},"${identity.groups.join(',')}"`;
  });
  writeFileSync(join(pki, 'tokens.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });
  return tokens;
}

/** Writes one kubeconfig per identity into `<dir>/kubeconfigs/`, trusting the apiserver's self-signed certificate. */
export function writeKubeconfigs(dir: string, server: string, tokens: Record<string, string>): void {
  const folder = join(dir, 'kubeconfigs');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const ca = readFileSync(join(dir, 'pki', 'apiserver.crt')).toString('base64');
  for (const [name, token] of Object.entries(tokens)) {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kwp', cluster: { server, 'certificate-authority-data': ca } }],
      users: [{ name, user: { token } }],
      contexts: [{ name: 'kwp', context: { cluster: 'kwp', user: name } }],
      'current-context': 'kwp',
    };
    writeFileSync(join(folder, `${name}.kubeconfig`), JSON.stringify(config, null, 2), { mode: 0o600 });
  }
}
