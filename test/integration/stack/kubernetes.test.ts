import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  VersionApi,
} from '@kubernetes/client-node';
import { eventually } from '../../harness/eventually';
import { adminKubeConfig, testStack, uniqueName } from '../../harness/stack';

function kubeConfigWithToken(token: string): KubeConfig {
  const admin = adminKubeConfig();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters,
    users: [{ name: 'probe', token }],
    contexts: [{ name: 'probe', cluster: admin.clusters[0].name, user: 'probe' }],
    currentContext: 'probe',
  });
  return kc;
}

describe('local Kubernetes control plane', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);

  test('kube-apiserver answers /version with the built version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.34.4');
    expect(testStack().kubernetes.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('RBAC is enforced: an unknown token is refused, a ServiceAccount without rights is forbidden', async () => {
    await expect(kubeConfigWithToken('not-a-token').makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });

    const namespace = uniqueName('rbac');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'nobody' } } });
    const request = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const asNobody = kubeConfigWithToken(request.status?.token ?? '').makeApiClient(CoreV1Api);
    await expect(asNobody.listNamespacedPod({ namespace })).rejects.toMatchObject({ code: 403 });
    await expect(asNobody.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
  });

  test('istiod programs a waypoint Gateway: Accepted and Programmed, with its Deployment, Service and ServiceAccount, and kwok runs its pod', async () => {
    const namespace = uniqueName('gw');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const name = `${namespace}-waypoint`;
    const gatewayRef = { group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', name };
    await custom.createNamespacedCustomObject({
      ...gatewayRef,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name, labels: { 'istio.io/waypoint-for': 'all' } },
        spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
      },
    });
    type Status = { status?: { conditions?: { type: string; status: string; message?: string }[] } };
    const conditions = await eventually(async () => {
      const gateway = (await custom.getNamespacedCustomObject(gatewayRef)) as Status;
      const found = gateway.status?.conditions ?? [];
      return found.some((c) => c.type === 'Programmed' && c.status === 'True') ? found : undefined;
    }, 20_000, 'istiod to program the Gateway');
    expect(conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True' })]));
    const deployment = await apps.readNamespacedDeployment({ namespace, name });
    expect(deployment.metadata?.labels?.['gateway.istio.io/managed']).toBe('istio.io-mesh-controller');
    expect((await core.readNamespacedService({ namespace, name })).spec?.clusterIP).toMatch(/^10\.96\./);
    await core.readNamespacedServiceAccount({ namespace, name });
    await eventually(async () => ((await apps.readNamespacedDeployment({ namespace, name })).status?.readyReplicas === 1 ? true : undefined), 30_000, 'the waypoint pod to be Ready');
  });

  test('istiod owns the GatewayClass istio-waypoint: accepted, and made again when deleted', async () => {
    const classRef = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: 'istio-waypoint' };
    await custom.deleteClusterCustomObject(classRef);
    const remade = await eventually(async () => {
      const gatewayClass = (await custom.getClusterCustomObject(classRef).catch(() => undefined)) as
        | { spec: { controllerName: string }; status?: { conditions?: { type: string; status: string }[] } }
        | undefined;
      return gatewayClass?.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ? gatewayClass : undefined;
    }, 20_000, 'istiod to make the GatewayClass again');
    expect(remade.spec.controllerName).toBe('istio.io/mesh-controller');
  });

  test('a Deployment with 2 replicas reaches 2 ready replicas (kwok runs the pods)', async () => {
    const namespace = uniqueName('deploy');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
          },
        },
      },
    });
    const ready = await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
        return d.status?.readyReplicas === 2 ? d.status.readyReplicas : undefined;
      },
      60_000,
      'the Deployment to have 2 ready replicas',
    );
    expect(ready).toBe(2);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe('kwok-node-0');
      expect(pod.status?.phase).toBe('Running');
    }
  });

  test('a deleted namespace is gone once its deletion completes (namespace and garbage controllers run)', async () => {
    const namespace = uniqueName('gone');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'content' }, data: { a: 'b' } } });
    await core.deleteNamespace({ name: namespace });
    await eventually(
      async () => {
        try {
          await core.readNamespace({ name: namespace });
          return undefined;
        } catch (error) {
          return (error as { code?: number }).code === 404 ? true : undefined;
        }
      },
      60_000,
      `namespace ${namespace} to be deleted`,
    );
  });
});
