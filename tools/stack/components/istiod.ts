import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WAYPOINT_GATEWAY_CLASS } from '../../../model/labels';
import { kubeGet } from '../kube-http';
import { answers } from '../wait';
import type { ComponentSpec, StackContext } from './component';

export const ISTIO_NAMESPACE = 'istio-system';

/**
 * A fixed pod name: istiod's leader-election leases carry it, and a new name after a crash would
 * wait about 45 s for the old leases to expire.
 */
const POD_NAME = 'istiod-stack';

/**
 * Istio's control plane, istiod (pilot-discovery), in ambient mode and out of cluster: it owns the
 * GatewayClass istio-waypoint, creates each waypoint's Deployment, Service and ServiceAccount, and
 * writes the Gateway's Accepted and Programmed conditions. Its CRDs and ConfigMaps are applied
 * before it starts (kube-bootstrap.ts). Every listen address is a free loopback port, as the
 * defaults collide between stacks. It runs in an empty folder of its own: files under
 * ./etc/istio or ./var/lib/istio/inject there would override the ConfigMaps.
 */
export function istiodComponent(ctx: StackContext): ComponentSpec {
  const cwd = join(ctx.dir, 'istiod');
  mkdirSync(cwd, { recursive: true });
  const address = (name: 'istiod-http' | 'istiod-grpc' | 'istiod-secure-grpc' | 'istiod-https' | 'istiod-monitoring') => `127.0.0.1:${ctx.ports[name]}`;
  return {
    name: 'istiod',
    process: {
      command: ctx.artifacts.istiod,
      args: [
        'discovery',
        `--kubeconfig=${join(ctx.dir, 'kubeconfigs', 'istiod.kubeconfig')}`,
        '--domain=cluster.local',
        `--httpAddr=${address('istiod-http')}`,
        `--grpcAddr=${address('istiod-grpc')}`,
        `--secureGRPCAddr=${address('istiod-secure-grpc')}`,
        `--httpsAddr=${address('istiod-https')}`,
        `--monitoringAddr=${address('istiod-monitoring')}`,
        '--ctrlz_address=127.0.0.1',
        `--ctrlz_port=${ctx.ports['istiod-ctrlz']}`,
        '--log_output_level=default:info',
      ],
      cwd,
      env: {
        ...process.env,
        POD_NAMESPACE: ISTIO_NAMESPACE,
        POD_NAME,
        REVISION: 'default',
        CLUSTER_ID: 'Kubernetes',
        PILOT_ENABLE_AMBIENT: 'true',
        PILOT_CERT_PROVIDER: 'istiod',
        // No webhooks: the apiserver could not reach istiod's in-cluster Service name.
        INJECTION_WEBHOOK_CONFIG_NAME: '',
        VALIDATION_WEBHOOK_CONFIG_NAME: '',
      },
    },
    // Ready when it serves /ready and has taken ownership of the waypoint GatewayClass.
    ready: async () =>
      (await answers(`http://${address('istiod-http')}/ready`)) &&
      (await kubeGet(ctx, `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${WAYPOINT_GATEWAY_CLASS}`)).status === 200,
    readyTimeoutMs: 60_000,
  };
}
