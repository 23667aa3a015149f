import { KubeConfig } from '@kubernetes/client-node';
import type { Client, ConnectionLike } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { randomBytes } from 'node:crypto';
import { loadKubeConfig } from '../../config/kube-config';
import { trustCa } from '../../tools/stack/production/stack-ca';
import { stackTemporalClient, stackWorkerConnection } from '../../tools/stack/temporal-client';
import { readState, StackState } from '../../tools/stack/state';

/** The stack the test run uses (started by global-setup). */
export function testStack(): StackState {
  const dir = process.env.KWP_STACK_DIR;
  const state = dir ? readState(dir) : undefined;
  if (!state) throw new Error('No test stack: run tests through Jest so that global-setup starts one.');
  // Keycloak over HTTPS (the production profile): its CA trusted by this process, as by the provisioner's.
  if (state.keycloak.caFile) trustCa(state.keycloak.caFile);
  return state;
}

/** A DNS-1123 name unique to this test run, so tests never share namespaces or names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function adminKubeConfig(): KubeConfig {
  return loadKubeConfig(testStack().kubernetes.kubeconfig);
}

/** A client of the stack's Temporal; on the production profile over TLS with the tooling's token (role admin). */
export async function temporalClient(): Promise<{ client: Client; connection: ConnectionLike }> {
  const client = await stackTemporalClient(testStack().temporal, 'admin');
  return { client, connection: client.connection };
}

export function workerConnection(): Promise<NativeConnection> {
  return stackWorkerConnection(testStack().temporal, 'admin');
}

/**
 * The data of keycloak-admin-secret as an install holds it: the provisioner's service-account client
 * of the stack's realm (least privilege), or with `legacy` the master admin's username and password.
 */
export function adminSecretData(form: 'service-account' | 'legacy' = 'service-account'): Record<string, string> {
  const { keycloak } = testStack();
  return form === 'legacy'
    ? { KEYCLOAK_ADMIN_USERNAME: keycloak.adminUsername, KEYCLOAK_ADMIN_PASSWORD: keycloak.adminPassword }
    : { KEYCLOAK_CLIENT_ID: keycloak.provisioner.clientId, KEYCLOAK_CLIENT_SECRET: keycloak.provisioner.clientSecret };
}

/** An admin client logged in to the master realm and pointed at `realm` (the agents' realm `kagenti` unless told). */
export async function keycloakAdmin(realm = testStack().keycloak.realm): Promise<KcAdminClient> {
  const { keycloak } = testStack();
  const admin = new KcAdminClient({ baseUrl: keycloak.url, realmName: 'master' });
  await admin.auth({ grantType: 'password', clientId: 'admin-cli', username: keycloak.adminUsername, password: keycloak.adminPassword });
  admin.setConfig({ realmName: realm });
  return admin;
}
