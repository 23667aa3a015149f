import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { isConflict } from '../../model/errors';
import { ISTIO_NAMESPACE } from '../stack/components/istiod';

export { ISTIO_NAMESPACE };

/**
 * Istio's data plane cannot run here, but a migration's preflight looks for it: the ztunnel
 * DaemonSet in istio-system, whose pods kwok runs and which do nothing. (istiod itself is real:
 * the stack runs it.) Idempotent.
 */
export async function ensureIstioFootprint(kc: KubeConfig): Promise<void> {
  await kc
    .makeApiClient(AppsV1Api)
    .createNamespacedDaemonSet({
      namespace: ISTIO_NAMESPACE,
      body: {
        metadata: { name: 'ztunnel' },
        spec: {
          selector: { matchLabels: { app: 'ztunnel' } },
          template: { metadata: { labels: { app: 'ztunnel' } }, spec: { containers: [{ name: 'istio-proxy', image: 'istio/ztunnel:stand-in' }] } },
        },
      },
    })
    .catch((error: unknown) => {
      if (!isConflict(error)) throw error;
    });
}
