import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';
import { installIstioPrerequisites } from './istio-bootstrap';
import { CRD_DIR } from './paths';
import { waitUntil } from './wait';
import { isConflict } from '../../model/errors';

export const KWOK_NODE = 'kwok-node-0';

function crdFiles(): string[] {
  const gatewayDir = join(CRD_DIR, 'gateway-api-v1.2.1');
  return [
    ...readdirSync(gatewayDir).filter((f) => f.endsWith('.yaml')).map((f) => join(gatewayDir, f)),
    join(CRD_DIR, 'network-attachment-definitions.k8s.cni.cncf.io.yaml'),
  ];
}

/** Installs the CRDs through the generic object API, parsed by loadAllYaml so that x-kubernetes-* rules and defaults survive. */
async function installCrds(kc: KubeConfig): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const names: string[] = [];
  for (const file of crdFiles()) {
    for (const crd of loadAllYaml(readFileSync(file, 'utf8')) as KubernetesObject[]) {
      names.push(crd.metadata!.name!);
      try {
        await objects.create(crd);
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }
  await waitForCrdsEstablished(kc, names);
}

/** Waits until the apiserver serves each named CRD. */
async function waitForCrdsEstablished(kc: KubeConfig, names: string[]): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    const result = await waitUntil(
      async () => {
        const crd = await api.readCustomResourceDefinition({ name });
        return Boolean(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
      },
      { timeoutMs: 30_000 },
    );
    if (result !== 'ready') throw new StackError(`CRD ${name} did not become Established within 30 s`);
  }
}

/**
 * What kwok's node offers: room for a lived-in cluster with istiod, at least 3,000 agent namespaces
 * with their waypoint pods (100m of CPU each, as Istio's waypoint template asks) and agents.
 */
const KWOK_NODE_CAPACITY = { cpu: '1000', memory: '4Ti', pods: '20000' };

/** The fake node that kwok manages (label type=kwok); the scheduler binds pods to it. */
async function createKwokNode(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  try {
    await core.createNode({
      body: {
        metadata: {
          name: KWOK_NODE,
          labels: { type: 'kwok', 'kubernetes.io/hostname': KWOK_NODE, 'kubernetes.io/os': 'linux' },
          annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
        },
        status: { allocatable: KWOK_NODE_CAPACITY, capacity: KWOK_NODE_CAPACITY },
      },
    });
  } catch (error) {
    if (!isConflict(error)) throw error;
    // A node kept from an earlier run may carry taints, a cordon or a smaller capacity from then; start clean.
    await core.patchNode({ name: KWOK_NODE, body: { spec: { taints: null, unschedulable: null } } }, mergePatch);
    await core.patchNodeStatus({ name: KWOK_NODE, body: { status: { allocatable: KWOK_NODE_CAPACITY, capacity: KWOK_NODE_CAPACITY } } }, mergePatch);
  }
}

/**
 * What the cluster needs before its controllers start: the Gateway API and Istio CRDs, Istio's
 * ConfigMaps, and kwok's node. The GatewayClass istio-waypoint is istiod's to create.
 */
export async function bootstrapKubernetes(kubeconfigFile: string, istioManifests: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  await installCrds(kc);
  await waitForCrdsEstablished(kc, await installIstioPrerequisites(kc, istioManifests));
  await createKwokNode(kc);
}
