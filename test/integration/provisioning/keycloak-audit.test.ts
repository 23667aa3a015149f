import { credentialsSecretName } from '../../../model/names';
import { audienceScopeId } from '../../../activities/keycloak/client-scopes';
import { audienceScopeName } from '../../../model/names';
import { keycloakAuditWorkflowId, namespaceWorkflowId } from '../../../model/workflow-ids';
import { auditNowSignal, getStatusQuery } from '../../../workflows/messages';
import { decode, provisionAgent, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminKubeConfig, keycloakAdmin, testStack, uniqueName } from '../../harness/stack';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';
import { createLogger } from '../../../config/logger';
import { startWatcher, watcherOptions } from '../../../watcher/watcher';

// Keycloak is not watched: the audit (one realm-wide comparison per interval) is what repairs drift
// made there by hand, and it wakes only the namespaces that differ.
// The stack's real istiod programs the waypoints.
const AUDIT_SECONDS = 5;
const platformClientId = uniqueName('audit-platform');
const provisioner = provisionedSuite({
  settings: { keycloakAuditIntervalSeconds: AUDIT_SECONDS },
  operatorConfig: { KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm, PLATFORM_CLIENT_IDS: platformClientId },
});

beforeAll(async () => {
  await (await keycloakAdmin()).clients.create({ clientId: platformClientId, publicClient: false, serviceAccountsEnabled: true });
});

const passes = async (namespace: string) => (await provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)).query(getStatusQuery)).passes;

async function secretFollows(namespace: string, clientUuid: string): Promise<void> {
  const admin = await keycloakAdmin();
  const value = (await admin.clients.getClientSecret({ id: clientUuid })).value!;
  await eventually(async () => {
    const secret = await readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent'));
    return decode(secret?.data?.['client-secret.txt']) === value ? true : undefined;
  }, 15_000, 'the Secret to carry the client secret Keycloak has now');
}

test('a client deleted by hand is recreated within one audit interval, its Secret follows, and a settled namespace is not touched', async () => {
  const untouched = await provisionAgent('audit-settled');
  const namespace = await provisionAgent('audit-deleted');
  // Its credentials do not wait for its waypoint: the pass that made them may still be waiting for it.
  const settledPasses = await eventually(async () => {
    const status = await provisioner().client.workflow.getHandle(namespaceWorkflowId(untouched)).query(getStatusQuery);
    return status.last?.phase === 'Ready' && !status.pending ? status.passes : undefined;
  }, 30_000, `${untouched} settled`);
  const admin = await keycloakAdmin();
  const [before] = await admin.clients.find({ clientId: `${namespace}/agent` });
  await admin.clients.del({ id: before.id! });

  // Nothing in the cluster changed: only the audit brings a pass, within one interval plus the pass.
  const after = await eventually(async () => (await admin.clients.find({ clientId: `${namespace}/agent` })).find((c) => c.id !== before.id), (AUDIT_SECONDS + 20) * 1000, 'the client to be recreated');
  await secretFollows(namespace, after.id!);
  // Another interval: the settled namespace, which matches Keycloak, had no pass from any audit.
  await new Promise((r) => setTimeout(r, (AUDIT_SECONDS + 2) * 1000));
  expect(await passes(untouched)).toBe(settledPasses);
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(keycloakAuditWorkflowId(provisioner().settings.taskQueue)), 'keycloak-audit');
  await recordHistoryWhenAsked(provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)), 'client-deleted-repaired-after-audit');
});

test('a client secret changed in Keycloak (a realm restored from a backup) reaches the Secret', async () => {
  const namespace = await provisionAgent('audit-secret');
  const admin = await keycloakAdmin();
  const [client] = await admin.clients.find({ clientId: `${namespace}/agent` });
  await admin.clients.generateNewClientSecret({ id: client.id! });
  await secretFollows(namespace, client.id!);
});

test('a client edited by hand and an audience scope taken off the platform client are repaired', async () => {
  const namespace = await provisionAgent('audit-edited');
  const admin = await keycloakAdmin();
  const [client] = await admin.clients.find({ clientId: `${namespace}/agent` });
  await admin.clients.update({ id: client.id! }, { ...client, fullScopeAllowed: true });
  const [platform] = await admin.clients.find({ clientId: platformClientId });
  const scopeId = audienceScopeId(audienceScopeName(namespace, 'agent'));
  await admin.clients.delDefaultClientScope({ id: platform.id!, clientScopeId: scopeId });
  // Audit at once instead of waiting for the interval, as a person would after a hand edit.
  await provisioner().client.workflow.getHandle(keycloakAuditWorkflowId(provisioner().settings.taskQueue)).signal(auditNowSignal);

  await eventually(async () => ((await admin.clients.findOne({ id: client.id! }))?.fullScopeAllowed === false ? true : undefined), 20_000, 'fullScopeAllowed to be false again');
  await eventually(async () => ((await admin.clients.listDefaultClientScopes({ id: platform.id! })).some((s) => s.id === scopeId) ? true : undefined), 20_000, 'the audience scope to be a default scope of the platform client again');
});

// Last in the file: it switches this suite's audit off.
test('a watcher started with the audit switched off (interval 0) ends the audit already running', async () => {
  const { client, settings } = provisioner();
  const handle = client.workflow.getHandle(keycloakAuditWorkflowId(settings.taskQueue));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  // As after a restart of the watcher with --keycloak-audit-interval 0.
  const log = createLogger('audit-switched-off', 'warn', { write: (line: string) => void provisioner().logs.push(line) });
  const switchedOff = startWatcher(adminKubeConfig(), client, watcherOptions({ ...settings, keycloakAuditIntervalSeconds: 0 }, { coalesceMs: 50 }), log);
  try {
    const ended = await eventually(async () => {
      const { status } = await handle.describe();
      return status.name === 'RUNNING' ? undefined : status.name;
    }, 15_000, 'the audit to end');
    expect(ended).toBe('COMPLETED');
    await recordHistoryWhenAsked(handle, 'keycloak-audit-switched-off');
  } finally {
    await switchedOff.stop();
  }
});
