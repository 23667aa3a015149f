import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { isConflict } from '../../model/errors';

export const ISTIO_NAMESPACE = 'istio-system';

const pod = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: app === 'ztunnel' ? 'istio-proxy' : 'discovery', image: `istio/${app === 'ztunnel' ? 'ztunnel' : 'pilot'}:stand-in` }] },
});

/**
 * What an ambient Istio install leaves that a migration's preflight looks for: the istio-system
 * namespace with the ztunnel DaemonSet and the istiod Deployment (their pods run on kwok and do
 * nothing). The GatewayClass istio-waypoint comes with the stack. Idempotent.
 */
export async function ensureIstioFootprint(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const ignoreExisting = (error: unknown) => {
    if (!isConflict(error)) throw error;
  };
  await core.createNamespace({ body: { metadata: { name: ISTIO_NAMESPACE } } }).catch(ignoreExisting);
  await Promise.all([
    apps
      .createNamespacedDaemonSet({
        namespace: ISTIO_NAMESPACE,
        body: { metadata: { name: 'ztunnel' }, spec: { selector: { matchLabels: { app: 'ztunnel' } }, template: pod('ztunnel') } },
      })
      .catch(ignoreExisting),
    apps
      .createNamespacedDeployment({
        namespace: ISTIO_NAMESPACE,
        body: { metadata: { name: 'istiod' }, spec: { replicas: 1, selector: { matchLabels: { app: 'istiod' } }, template: pod('istiod') } },
      })
      .catch(ignoreExisting),
  ]);
}
