import KcAdminClient from '@keycloak/keycloak-admin-client';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ADMIN_SECRET } from '../../model/names';
import { ensureProvisionerIdentity, PROVISIONER_CLIENT_ID } from './provisioner-identity';

const USAGE = `Usage: KEYCLOAK_URL=... KEYCLOAK_ADMIN_USERNAME=... KEYCLOAK_ADMIN_PASSWORD=... \\
  npm run -s keycloak-identity -- --realm REALM [--client-id ${PROVISIONER_CLIENT_ID}] [--namespace kagenti-system] [--admin-realm master]

Creates (or brings in line) the provisioner's service-account client in REALM, holding only the
realm-management roles it needs, and prints Secret ${ADMIN_SECRET} for the operator namespace:
  ... | kubectl apply -f -
The admin named by the environment is used for this once; the provisioner never holds it.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { realm: { type: 'string' }, 'client-id': { type: 'string' }, namespace: { type: 'string' }, 'admin-realm': { type: 'string' }, help: { type: 'boolean' } },
  });
  const { KEYCLOAK_URL: url, KEYCLOAK_ADMIN_USERNAME: username, KEYCLOAK_ADMIN_PASSWORD: password } = process.env;
  if (values.help || !values.realm || !url || !username || !password) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const admin = new KcAdminClient({ baseUrl: url, realmName: values['admin-realm'] ?? 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username, password });
  admin.setConfig({ realmName: values.realm });
  const identity = await ensureProvisionerIdentity(admin, { clientId: values['client-id'] });
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ADMIN_SECRET, namespace: values.namespace ?? 'kagenti-system' },
    type: 'Opaque',
    stringData: { KEYCLOAK_CLIENT_ID: identity.clientId, KEYCLOAK_CLIENT_SECRET: identity.clientSecret },
  };
  process.stdout.write(stringify(secret));
}

main().catch((error: unknown) => {
  process.stderr.write(`keycloak-identity: ${(error as Error).message}\n`);
  process.exit(1);
});
