import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { audienceScopeName, credentialsSecretName } from '../../../model/names';
import { core, createAgentDeployment, createNamespace, provisionerEvents, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, testStack, uniqueName } from '../../harness/stack';
import { keycloakAuditWorkflowId } from '../../../model/workflow-ids';
import { auditNowSignal } from '../../../workflows/messages';

// A namespace's own authbridge-config is written by its tenant: it may name only a realm the
// operator approved (APPROVED_KEYCLOAK_REALMS in kagenti-operator-config), or the provisioner would
// send its Keycloak credentials wherever a tenant points it. The operator config here lists one
// approved realm and no KEYCLOAK_URL of its own, as on a cluster still on the sidecar-mode layout,
// so the namespaces' configs are used. Audits are asked for while the tenant's URL is in force. The stack's real istiod
// programs the waypoints.
const { url, realm } = testStack().keycloak;
const provisioner = provisionedSuite({
  operatorConfig: { APPROVED_KEYCLOAK_REALMS: `${url}/realms/${realm}` },
  settings: { keycloakAuditIntervalSeconds: 60 },
});

/** A listener at a tenant-chosen URL: it counts every connection made to it. */
let listener: Server;
let connections = 0;
let tenantUrl: string;
beforeAll(async () => {
  listener = createServer((_request, response) => response.writeHead(404).end());
  listener.on('connection', () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  tenantUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => listener.close(resolve)));

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const setNamespaceConfig = (namespace: string, data: Record<string, string>) =>
  core.patchNamespacedConfigMap({ namespace, name: 'authbridge-config', body: { data } }, MERGE_PATCH);

/** Audits run to their end so far: the auditKeycloak activities completed in the audit workflow's history. */
async function auditsDone(): Promise<number> {
  const events = (await provisioner().client.workflow.getHandle(keycloakAuditWorkflowId(provisioner().settings.taskQueue)).fetchHistory()).events ?? [];
  const audits = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'auditKeycloak').map((e) => String(e.eventId)));
  return events.filter((e) => audits.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId))).length;
}

/** Asks for an audit now and waits until it has run. */
async function auditNow(): Promise<void> {
  const before = await auditsDone();
  await provisioner().client.workflow.getHandle(keycloakAuditWorkflowId(provisioner().settings.taskQueue)).signal(auditNowSignal);
  await eventually(async () => ((await auditsDone()) > before ? true : undefined), 30_000, 'an audit to run');
}

async function statusWaiting(namespace: string): Promise<string[]> {
  const annotation = (await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
  return annotation ? (JSON.parse(annotation).waiting as string[]) : [];
}

test('a realm the operator did not approve gets nothing, not even a connection; an approved one works, and going back heals', async () => {
  const namespace = uniqueName('tenant');
  const secretName = credentialsSecretName(namespace, 'agent');
  await createNamespace(namespace);
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'authbridge-config' }, data: { KEYCLOAK_URL: url, KEYCLOAK_REALM: realm } } });
  await createAgentDeployment(namespace, 'agent');
  // The approved realm: provisioned as before.
  await eventually(() => readSecretOrUndefined(namespace, secretName), 30_000, 'the credentials Secret from the approved realm');

  // The tenant points its config at a listener of its own: a waiting state, reported where people look.
  await setNamespaceConfig(namespace, { KEYCLOAK_URL: tenantUrl, KEYCLOAK_REALM: realm });
  await createAgentDeployment(namespace, 'second');
  const warning = await eventually(async () => (await provisionerEvents(namespace)).find((e) => e.reason === 'KeycloakRealmNotApproved'), 10_000, 'a Warning KeycloakRealmNotApproved');
  expect(warning.type).toBe('Warning');
  expect(warning.message).toContain(`${tenantUrl}/realms/${realm}`);
  await eventually(async () => ((await statusWaiting(namespace)).includes('KeycloakRealmNotApproved') ? true : undefined), 10_000, 'the status annotation');
  // Retries (every 2 s) and audits come and go: nothing reaches the listener.
  await auditNow();
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  await auditNow();
  expect(connections).toBe(0);
  expect(await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'second'))).toBeUndefined();

  // The real Keycloak's master realm is no more approved than the listener.
  await setNamespaceConfig(namespace, { KEYCLOAK_URL: url, KEYCLOAK_REALM: 'master' });
  await eventually(async () => ((await provisionerEvents(namespace)).find((e) => e.reason === 'KeycloakRealmNotApproved' && e.message?.includes('/realms/master')) ? true : undefined), 10_000, 'the master realm refused');

  // Back to the approved realm: healed with no restart, and the first Secret kept.
  await setNamespaceConfig(namespace, { KEYCLOAK_URL: url, KEYCLOAK_REALM: realm });
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'second')), 15_000, 'the second credentials Secret');
  await eventually(async () => ((await statusWaiting(namespace)).length === 0 ? true : undefined), 10_000, 'no waiting state');
  expect(await readSecretOrUndefined(namespace, secretName)).toBeDefined();
  expect(connections).toBe(0);
});

test("a tenant's config reaches no other tenant's client and not the realm's defaults: PLATFORM_CLIENT_IDS and KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT are the operator's", async () => {
  // Another tenant's agent, provisioned from the approved realm.
  const victim = uniqueName('victim');
  await createNamespace(victim);
  await core.createNamespacedConfigMap({ namespace: victim, body: { metadata: { name: 'authbridge-config' }, data: { KEYCLOAK_URL: url, KEYCLOAK_REALM: realm } } });
  await createAgentDeployment(victim, 'agent');
  await eventually(() => readSecretOrUndefined(victim, credentialsSecretName(victim, 'agent')), 30_000, "the other tenant's credentials Secret");

  // A tenant that names the other tenant's client as a platform client and asks for realm defaults.
  const tenant = uniqueName('greedy');
  await createNamespace(tenant);
  await core.createNamespacedConfigMap({
    namespace: tenant,
    body: {
      metadata: { name: 'authbridge-config' },
      data: { KEYCLOAK_URL: url, KEYCLOAK_REALM: realm, PLATFORM_CLIENT_IDS: `${victim}/agent`, KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT: 'true' },
    },
  });
  await createAgentDeployment(tenant, 'agent');
  await eventually(() => readSecretOrUndefined(tenant, credentialsSecretName(tenant, 'agent')), 30_000, "the tenant's credentials Secret");
  const warning = await eventually(async () => (await provisionerEvents(tenant)).find((e) => e.reason === 'OperatorOnlySettingIgnored'), 10_000, 'a Warning OperatorOnlySettingIgnored');
  expect(warning.message).toContain('PLATFORM_CLIENT_IDS, KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT');

  const admin = await keycloakAdmin();
  const scope = audienceScopeName(tenant, 'agent');
  const [victimClient] = await admin.clients.find({ clientId: `${victim}/agent` });
  expect((await admin.clients.listDefaultClientScopes({ id: victimClient.id! })).map((s) => s.name)).not.toContain(scope);
  expect((await admin.clientScopes.listDefaultClientScopes()).map((s) => s.name)).not.toContain(scope);
  // The operator's platform client (the default, kagenti) gets it, as for every tenant.
  const [platform] = await admin.clients.find({ clientId: 'kagenti' });
  expect((await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.name)).toContain(scope);
});
