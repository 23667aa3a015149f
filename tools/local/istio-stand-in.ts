import { CustomObjectsApi, KubeConfig, KubernetesObject, makeInformer, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

const GATEWAYS = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };

interface Gateway extends KubernetesObject {
  spec?: { gatewayClassName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * Plays Istio's one part that cannot exist on the embedded stack: it marks waypoint Gateways (class
 * istio-waypoint) in the chosen namespaces Accepted and Programmed, as istiod does once the
 * waypoint Deployment runs. Used by the local mode, the tests and the benchmark; never in production.
 */
export async function startIstioStandIn(kc: KubeConfig, shouldProgram: (namespace: string) => boolean = () => true): Promise<{ stop(): Promise<void> }> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const informer = makeInformer<Gateway>(kc, '/apis/gateway.networking.k8s.io/v1/gateways', () =>
    custom.listCustomObjectForAllNamespaces({ group: GATEWAYS.group, version: GATEWAYS.version, resourcePlural: GATEWAYS.plural }) as never,
  );
  const program = (gateway: Gateway) => {
    const namespace = gateway.metadata!.namespace!;
    if (gateway.spec?.gatewayClassName !== 'istio-waypoint' || !shouldProgram(namespace)) return;
    if (gateway.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True')) return;
    const now = new Date().toISOString();
    const generation = gateway.metadata?.generation ?? 1;
    const condition = (type: string) => ({ type, status: 'True', reason: type, message: 'set by the test stand-in for Istio', lastTransitionTime: now, observedGeneration: generation });
    custom
      .patchNamespacedCustomObjectStatus(
        { ...GATEWAYS, namespace, name: gateway.metadata!.name!, body: { status: { conditions: [condition('Accepted'), condition('Programmed')] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  };
  informer.on('add', program);
  informer.on('update', program);
  let stopped = false;
  // The informer stops for good on a watch error: restart it, unless it was stopped on purpose.
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start().catch(() => undefined)), 500);
  });
  await informer.start();
  return {
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}
