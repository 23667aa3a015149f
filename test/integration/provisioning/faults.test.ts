import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { core, createAgentDeployment, createNamespace, provisionerEvents, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminSecretData, keycloakAdmin, testStack, uniqueName } from '../../harness/stack';

// Each fault is planted where a platform engineer would make the mistake, then fixed the same way.
// The Warning must appear within 10 s, the fix must heal within 10 s with no restart, and nothing may
// be lost or duplicated. The retry interval is 5 minutes, so only the watcher's wake on the change can
// heal in time. The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite({ settings: { retryIntervalSeconds: 300 } });

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const REPORT_MS = 10_000;
const HEAL_MS = 10_000;
const operatorNamespace = () => provisioner().settings.operatorNamespace;

async function setOperatorConfig(data: Record<string, string>): Promise<void> {
  await core.patchNamespacedConfigMap({ namespace: operatorNamespace(), name: 'kagenti-operator-config', body: { data } }, MERGE_PATCH);
}

async function setClientSecret(secret: string): Promise<void> {
  await core.patchNamespacedSecret({ namespace: operatorNamespace(), name: 'keycloak-admin-secret', body: { stringData: { KEYCLOAK_CLIENT_SECRET: secret } } }, MERGE_PATCH);
}

/**
 * Plants a fault, creates an agent namespace, and checks the fault is reported by `reason` where
 * people look (a Warning Event, the status annotation, ProvisionerPhase) within 10 s; then fixes
 * it and checks the namespace heals within 10 s, with a Normal Event saying so and one client.
 */
async function faultThenFix(prefix: string, reason: string, plant: () => Promise<void>, fix: () => Promise<void>): Promise<void> {
  await plant();
  try {
    await reportedThenHealed(prefix, reason, fix);
  } catch (error) {
    // The fault must not outlive its test: the next one starts from a working configuration.
    await fix().catch(() => undefined);
    throw error;
  }
}

/** Creates an agent namespace under the planted fault, checks it is reported, then fixes it and checks it heals. */
async function reportedThenHealed(prefix: string, reason: string, fix: () => Promise<void>): Promise<void> {
  const namespace = uniqueName(prefix);
  const created = Date.now();
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  const warning = await eventually(async () => (await provisionerEvents(namespace)).find((e) => e.type === 'Warning' && e.reason === reason), REPORT_MS, `a Warning ${reason}`);
  const reportedMs = Date.now() - created;
  expect(warning.message).toBeTruthy();
  await eventually(async () => {
    const annotation = (await core.readNamespace({ name: namespace })).metadata?.annotations?.['kagenti.io/waypoint-provisioning-status'];
    return annotation && JSON.parse(annotation).waiting.includes(reason) ? true : undefined;
  }, REPORT_MS, `the status annotation to name ${reason}`);
  // Eventually: a wake for the planted change itself may arrive after the namespace's first pass and start another.
  const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
  await eventually(async () => ((await handle.describe()).searchAttributes.ProvisionerPhase?.[0] === 'Waiting' ? true : undefined), REPORT_MS, 'ProvisionerPhase Waiting');
  // The waypoint does not wait for Keycloak.
  expect((await core.readNamespace({ name: namespace })).metadata?.labels?.['istio.io/use-waypoint']).toBe(`${namespace}-waypoint`);

  const fixed = Date.now();
  await fix();
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'agent')), HEAL_MS, 'the credentials Secret after the fix');
  const healedMs = Date.now() - fixed;
  await eventually(async () => ((await provisionerEvents(namespace)).some((e) => e.type === 'Normal' && e.reason === `${reason}Cleared`) ? true : undefined), HEAL_MS, `a Normal ${reason}Cleared`);
  const warnings = (await provisionerEvents(namespace)).filter((e) => e.reason === reason);
  expect(warnings).toHaveLength(1);
  const admin = await keycloakAdmin();
  expect(await admin.clients.find({ clientId: `${namespace}/agent` })).toHaveLength(1);
  console.log(`${reason}: reported ${reportedMs} ms after the namespace was created, healed ${healedMs} ms after the fix`);
}

test('a wrong client secret of the provisioner is reported, and the corrected secret heals without a restart', async () => {
  const { clientSecret } = testStack().keycloak.provisioner;
  await faultThenFix('fault-password', 'KeycloakCredentialsRefused', () => setClientSecret('not-the-secret'), () => setClientSecret(clientSecret));
});

test('a KEYCLOAK_URL that is not a URL is reported, and the corrected URL heals without a restart', async () => {
  const { url } = testStack().keycloak;
  await faultThenFix('fault-url', 'KeycloakUrlInvalid', () => setOperatorConfig({ KEYCLOAK_URL: 'keycloak.example' }), () => setOperatorConfig({ KEYCLOAK_URL: url }));
});

test('a KEYCLOAK_REALM that does not exist is reported, and the corrected realm heals without a restart', async () => {
  const { realm } = testStack().keycloak;
  await faultThenFix('fault-realm', 'KeycloakRealmNotFound', () => setOperatorConfig({ KEYCLOAK_REALM: 'no-such-realm' }), () => setOperatorConfig({ KEYCLOAK_REALM: realm }));
});

test('a deleted admin Secret is reported, and its re-creation heals without a restart', async () => {
  await faultThenFix(
    'fault-secret',
    'KeycloakAdminSecretMissing',
    () => core.deleteNamespacedSecret({ namespace: operatorNamespace(), name: 'keycloak-admin-secret' }).then(() => undefined),
    () =>
      core
        .createNamespacedSecret({
          namespace: operatorNamespace(),
          body: { metadata: { name: 'keycloak-admin-secret' }, stringData: adminSecretData() },
        })
        .then(() => undefined),
  );
});
