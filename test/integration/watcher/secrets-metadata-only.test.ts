import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../../../activities/kubernetes/clients';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../../model/labels';
import { ADMIN_SECRET } from '../../../model/names';
import { watchOf } from '../../../watcher/informers';
import { watchedResources } from '../../../watcher/watched-resources';
import { core, createNamespace } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { adminKubeConfig, uniqueName } from '../../harness/stack';

// The watcher keeps of a Secret only that it exists; here, on the real apiserver, it is shown never
// to receive a Secret's data at all: its lists and its watches of Secrets ask for metadata only.

const namespace = uniqueName('meta-only');
const operatorNamespace = uniqueName('meta-only-op');
const kc: KubeConfig = adminKubeConfig();
const resources = watchedResources(kc, operatorNamespace, () => false, () => false).resources;
const secretResources = resources.filter((r) => r.path.endsWith('/secrets'));

beforeAll(async () => {
  await Promise.all([createNamespace(namespace), createNamespace(operatorNamespace)]);
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'credentials', labels: { [MANAGED_BY_LABEL]: MANAGED_BY } }, stringData: { 'client-secret.txt': uniqueName('client-secret') } } });
  await core.createNamespacedSecret({ namespace: operatorNamespace, body: { metadata: { name: ADMIN_SECRET }, stringData: { KEYCLOAK_ADMIN_PASSWORD: uniqueName('password') } } });
});
afterAll(async () => {
  await Promise.all([namespace, operatorNamespace].map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
});

test('the watcher watches two kinds of Secrets: its own by label, the admin Secret by name', () => {
  expect(secretResources.map((r) => [r.name, r.labelSelector ?? r.fieldSelector])).toEqual([
    ['secrets', `${MANAGED_BY_LABEL}=${MANAGED_BY}`],
    ['admin-secret', `metadata.name=${ADMIN_SECRET}`],
  ]);
});

test.each(['secrets', 'admin-secret'])('its list of %s returns metadata only', async (name) => {
  const resource = secretResources.find((r) => r.name === name)!;
  const list = await resource.list();
  expect(list.kind).toBe('PartialObjectMetadataList');
  expect(list.items.length).toBeGreaterThan(0);
});

test.each(['secrets', 'admin-secret'])('its watch of %s streams metadata only, never the data', async (name) => {
  const resource = secretResources.find((r) => r.name === name)!;
  const seen: KubernetesObject[] = [];
  const controller = await watchOf(kc, resource).watch(resource.path, { labelSelector: resource.labelSelector, fieldSelector: resource.fieldSelector }, (_type, object) => seen.push(object), () => undefined);
  try {
    const [secretNamespace, secretName] = name === 'secrets' ? [namespace, 'credentials'] : [operatorNamespace, ADMIN_SECRET];
    await core.patchNamespacedSecret({ namespace: secretNamespace, name: secretName, body: { stringData: { changed: uniqueName('v') } } }, MERGE_PATCH);
    const event = await eventually(async () => seen.find((o) => o.metadata?.name === secretName), 10_000, `a watch event of ${secretName}`);
    expect(event.kind).toBe('PartialObjectMetadata');
    expect(Object.keys(event).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
  } finally {
    controller.abort();
  }
});
