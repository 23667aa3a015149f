import KcAdminClient from '@keycloak/keycloak-admin-client';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ADMIN_SECRET, TEMPORAL_CLIENT_SECRET } from '../../model/names';
import { ensureProvisionerIdentity, PROVISIONER_CLIENT_ID } from './provisioner-identity';
import { ensureRealm } from './realm';
import { ensureTemporalAccess } from './temporal-access';

const USAGE = `Usage: KEYCLOAK_URL=... KEYCLOAK_ADMIN_USERNAME=... KEYCLOAK_ADMIN_PASSWORD=... \\
  npm run -s keycloak-identity -- --realm REALM [--client-id ${PROVISIONER_CLIENT_ID}] [--namespace kagenti-system] [--admin-realm master]
  npm run -s keycloak-identity -- --temporal --realm temporal --temporal-namespace default --ui-callback URL [--namespace kagenti-system] [--admin-realm master]

Creates (or brings in line) the provisioner's service-account client in REALM, holding only the
realm-management roles it needs, and prints Secret ${ADMIN_SECRET} for the operator namespace:
  ... | kubectl apply -f -
With --temporal: creates (or brings in line) the realm of who may act on Temporal (docs/security.md):
the permissions of the Temporal namespace as roles, the worker's client, the Web UI's (its sign-in
callback URL, <UI>/auth/sso/callback) and the CLI's, and prints Secret ${TEMPORAL_CLIENT_SECRET}
with the worker's client secret, which deploy/base mounts.
The admin named by the environment is used for this once; the provisioner never holds it.`;

const secret = (name: string, namespace: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', stringData });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      realm: { type: 'string' },
      'client-id': { type: 'string' },
      namespace: { type: 'string' },
      'admin-realm': { type: 'string' },
      temporal: { type: 'boolean' },
      'temporal-namespace': { type: 'string' },
      'ui-callback': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const { KEYCLOAK_URL: url, KEYCLOAK_ADMIN_USERNAME: username, KEYCLOAK_ADMIN_PASSWORD: password } = process.env;
  const temporalIncomplete = values.temporal && (!values['temporal-namespace'] || !values['ui-callback']);
  if (values.help || !values.realm || !url || !username || !password || temporalIncomplete) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const namespace = values.namespace ?? 'kagenti-system';
  const admin = new KcAdminClient({ baseUrl: url, realmName: values['admin-realm'] ?? 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username, password });
  if (values.temporal) {
    await ensureRealm(admin, values.realm);
    const { workerSecret } = await ensureTemporalAccess(admin, { namespace: values['temporal-namespace']!, uiCallbackUrl: values['ui-callback']! });
    process.stdout.write(stringify(secret(TEMPORAL_CLIENT_SECRET, namespace, { 'client-secret': workerSecret })));
    return;
  }
  admin.setConfig({ realmName: values.realm });
  const identity = await ensureProvisionerIdentity(admin, { clientId: values['client-id'] });
  process.stdout.write(stringify(secret(ADMIN_SECRET, namespace, { KEYCLOAK_CLIENT_ID: identity.clientId, KEYCLOAK_CLIENT_SECRET: identity.clientSecret })));
}

main().catch((error: unknown) => {
  process.stderr.write(`keycloak-identity: ${(error as Error).message}\n`);
  process.exit(1);
});
