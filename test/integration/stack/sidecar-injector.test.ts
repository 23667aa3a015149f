import { AdmissionregistrationV1Api, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { apps, core, createNamespace, kc } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { testStack, uniqueName } from '../../harness/stack';
import { injectorCertificateFiles } from '../../../tools/stack/sidecar-injector/certificate';
import { CLIENT_REGISTRATION_CONTAINER, ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER } from '../../../model/names';
import { SIDECAR_INJECTOR_WEBHOOK_CONFIG } from '../../../tools/stack/sidecar-injector/webhook-config';
import { stopProcess } from '../../../tools/stack/process';
import { restart } from '../../../tools/stack/stack';
import { readState } from '../../../tools/stack/state';

/** Creates a one-replica Deployment with the given pod labels and returns its pods once the ReplicaSet has made them Running. */
async function runningPods(namespace: string, labels: Record<string, string>): Promise<V1Pod[]> {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'app' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app', ...labels } },
          spec: { containers: [{ name: 'agent', image: 'example.invalid/agent:1' }] },
        },
      },
    },
  });
  return eventually(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=app' })).items;
      return pods.length === 1 && pods[0].status?.phase === 'Running' ? pods : undefined;
    },
    60_000,
    `the pod of ${namespace}/app to run`,
  );
}

const containerNames = (pod: V1Pod) => pod.spec!.containers.map((c) => c.name).sort();

/** A bare pod in envoy-proxy-only sidecar mode, as admission returns it. */
function createSidecarPod(namespace: string, name: string): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { 'kagenti.io/type': 'tool', 'kagenti.io/envoy-proxy-inject': 'true' } },
      spec: { containers: [{ name: 'tool', image: 'example.invalid/tool:1' }] },
    },
  });
}

describe('legacy sidecar injector (mutating admission webhook)', () => {
  const namespaces: string[] = [];

  async function namespace(prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await createNamespace(name);
    namespaces.push(name);
    return name;
  }

  afterAll(async () => {
    await Promise.all(namespaces.map((name) => core.deleteNamespace({ name })));
  });

  test('is registered with failurePolicy Fail, for agent and tool pod creations, trusting its own certificate', async () => {
    const config = await kc.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: SIDECAR_INJECTOR_WEBHOOK_CONFIG });
    expect(config.webhooks).toHaveLength(1);
    const [webhook] = config.webhooks!;
    expect(webhook).toMatchObject({
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 5,
      reinvocationPolicy: 'Never',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      objectSelector: { matchExpressions: [{ key: 'kagenti.io/type', operator: 'In', values: ['agent', 'tool'] }] },
      clientConfig: { url: `https://127.0.0.1:${testStack().ports['sidecar-injector']}/mutate` },
    });
    const ca = Buffer.from(webhook.clientConfig.caBundle!, 'base64').toString('utf8');
    expect(ca).toBe(readFileSync(injectorCertificateFiles(testStack().dir).cert, 'utf8'));
  });

  // The apiserver calls the webhook over TLS, verifying it against the caBundle: the sidecars prove it.
  test('a sidecar-mode Deployment gets pods with the app container and the three legacy sidecars', async () => {
    const ns = await namespace('sidecar-mode');
    const [pod] = await runningPods(ns, {
      'kagenti.io/type': 'agent',
      'kagenti.io/inject': 'enabled',
      'kagenti.io/client-registration-inject': 'true',
    });
    expect(containerNames(pod)).toEqual(['agent', CLIENT_REGISTRATION_CONTAINER, ENVOY_PROXY_CONTAINER, SPIFFE_HELPER_CONTAINER].sort());
  });

  test('a waypoint-mode Deployment gets pods with exactly one container', async () => {
    const ns = await namespace('waypoint-mode');
    const [pod] = await runningPods(ns, { 'kagenti.io/type': 'agent', 'kagenti.io/auth-mode': 'waypoint' });
    expect(containerNames(pod)).toEqual(['agent']);
  });

  test('a pod without kagenti.io/type is left untouched', async () => {
    const ns = await namespace('not-agent');
    const [pod] = await runningPods(ns, { 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' });
    expect(containerNames(pod)).toEqual(['agent']);
  });

  test('failurePolicy Fail: no agent pod is admitted while the injector is down; after a restart (same port and certificate) injection resumes', async () => {
    const ns = await namespace('restart');
    const { dir } = testStack();
    const cert = readFileSync(injectorCertificateFiles(dir).cert, 'utf8');
    await stopProcess(readState(dir)!.components['sidecar-injector']!.pid);
    await expect(createSidecarPod(ns, 'refused')).rejects.toMatchObject({ code: 500, body: expect.stringContaining('failed calling webhook') });

    await restart(dir, 'sidecar-injector');
    expect(readFileSync(injectorCertificateFiles(dir).cert, 'utf8')).toBe(cert);
    const pod = await createSidecarPod(ns, 'admitted');
    expect(containerNames(pod)).toEqual([ENVOY_PROXY_CONTAINER, 'tool']);
  });
});
