import { CoreV1Api, KubeConfig, KubernetesObject, KubernetesObjectApi, loadAllYaml, PatchStrategy } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { isConflict } from '../../model/errors';
import { ISTIO_NAMESPACE } from './components/istiod';
import { StackError } from './errors';

/** The objects istiod needs before it starts: Istio's CRDs and its mesh and injector ConfigMaps, rendered from the Istio module. */
function renderIstioManifests(istioManifests: string): KubernetesObject[] {
  const rendered = spawnSync(istioManifests, [], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (rendered.status !== 0) throw new StackError(`Rendering Istio's manifests failed: ${rendered.stderr || rendered.error?.message}`);
  return (loadAllYaml(rendered.stdout) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => Boolean(o?.kind));
}

/**
 * Installs what istiod reads at start-up, as `istioctl install --set profile=ambient` would:
 * the istio-system namespace, Istio's CRDs (server-side apply: they are too large for a
 * last-applied annotation) and the `istio` and `istio-sidecar-injector` ConfigMaps. Without the
 * injector's waypoint template istiod cannot make a waypoint's Deployment. Idempotent. Returns
 * the names of the CRDs, for the caller to wait until they are served.
 */
export async function installIstioPrerequisites(kc: KubeConfig, istioManifests: string): Promise<string[]> {
  const objects = renderIstioManifests(istioManifests);
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ISTIO_NAMESPACE } } });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await api.patch(object, undefined, undefined, 'kagenti-waypoint-stack', true, PatchStrategy.ServerSideApply);
  }
  return objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!);
}
