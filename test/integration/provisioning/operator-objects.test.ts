import { kubeClients } from '../../../activities/kubernetes/clients';
import { resolveProvisioningConfig } from '../../../activities/kubernetes/config';
import { readOperatorObjects, watchedOperatorObjects, type OperatorObjects } from '../../../activities/kubernetes/operator-objects';
import { loadSettings } from '../../../config/settings';
import { ADMIN_SECRET, OPERATOR_CONFIG } from '../../../model/names';
import { createNamespace } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { adminSecretData, testStack, uniqueName } from '../../harness/stack';

// The worker's copy of its operator config and admin Secret (activities/kubernetes/operator-objects.ts),
// on the real apiserver: kept from a watch, current within moments of a change, and never the reason
// a fix is missed: a problem found in a copy that lags behind is read afresh.

const k8s = kubeClients(testStack().kubernetes.kubeconfig);
const operatorNamespace = uniqueName('opobj');
const settings = { ...loadSettings([], {}), operatorNamespace };
const keycloakConfig = () => ({ KEYCLOAK_URL: testStack().keycloak.url, KEYCLOAK_REALM: testStack().keycloak.realm });

beforeAll(async () => {
  await createNamespace(operatorNamespace);
});

test('the watched copy follows changes to the operator config and admin Secret, without a read per ask', async () => {
  const watched = watchedOperatorObjects(k8s, operatorNamespace);
  try {
    expect(await watched.operatorConfig()).toBeUndefined();
    await k8s.core.createNamespacedConfigMap({ namespace: operatorNamespace, body: { metadata: { name: OPERATOR_CONFIG }, data: keycloakConfig() } });
    await k8s.core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: ADMIN_SECRET }, stringData: adminSecretData() } });
    await eventually(async () => ((await watched.operatorConfig())?.data?.KEYCLOAK_REALM === testStack().keycloak.realm ? true : undefined), 5_000, 'the copy to show the ConfigMap');
    await eventually(async () => ((await watched.adminSecret()) ? true : undefined), 5_000, 'the copy to show the admin Secret');
    await k8s.core.patchNamespacedConfigMap({ namespace: operatorNamespace, name: OPERATOR_CONFIG, body: [{ op: 'replace', path: '/data/KEYCLOAK_REALM', value: 'changed' }] });
    await eventually(async () => ((await watched.operatorConfig())?.data?.KEYCLOAK_REALM === 'changed' ? true : undefined), 5_000, 'the copy to show the change');
    await k8s.core.deleteNamespacedSecret({ namespace: operatorNamespace, name: ADMIN_SECRET });
    await eventually(async () => ((await watched.adminSecret()) === undefined ? true : undefined), 5_000, 'the copy to show the deletion');
  } finally {
    watched.close();
  }
  await k8s.core.deleteNamespacedConfigMap({ namespace: operatorNamespace, name: OPERATOR_CONFIG });
});

test('a problem found in a copy that lags behind is read afresh before it is reported: a fix is never missed', async () => {
  const direct = readOperatorObjects(k8s, operatorNamespace);
  // A copy that has not seen the fix yet: neither object is in it.
  const lagging: OperatorObjects = { operatorConfig: async () => undefined, adminSecret: async () => undefined, afresh: direct };
  const namespace = uniqueName('opobj-tenant');
  await createNamespace(namespace);
  expect(await resolveProvisioningConfig(k8s, settings, namespace, lagging)).toMatchObject({ keycloak: undefined, adminSecretReady: false });

  await k8s.core.createNamespacedConfigMap({ namespace: operatorNamespace, body: { metadata: { name: OPERATOR_CONFIG }, data: keycloakConfig() } });
  await k8s.core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: ADMIN_SECRET }, stringData: adminSecretData() } });
  const config = await resolveProvisioningConfig(k8s, settings, namespace, lagging);
  expect(config).toMatchObject({ keycloak: { source: 'operator', realm: testStack().keycloak.realm }, keycloakProblem: undefined, adminSecretReady: true });
});
