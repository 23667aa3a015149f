import { join } from 'node:path';
import { kubeGet } from '../kube-http';
import type { ComponentSpec, StackContext } from './component';

function kubeconfig(ctx: StackContext, user: string): string {
  return join(ctx.dir, 'kubeconfigs', `${user}.kubeconfig`);
}

/**
 * The controllers that make Deployments roll out, garbage-collect owned objects and finish
 * namespace deletion. The node lifecycle controller is off: kwok's nodes send no heartbeats.
 */
export function kubeControllerManagerComponent(ctx: StackContext): ComponentSpec {
  const pki = join(ctx.dir, 'pki');
  return {
    name: 'kube-controller-manager',
    process: {
      command: ctx.artifacts.kubeControllerManager,
      args: [
        `--kubeconfig=${kubeconfig(ctx, 'kube-controller-manager')}`,
        `--authentication-kubeconfig=${kubeconfig(ctx, 'kube-controller-manager')}`,
        `--authorization-kubeconfig=${kubeconfig(ctx, 'kube-controller-manager')}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--controllers=*,-node-lifecycle-controller',
        `--service-account-private-key-file=${join(pki, 'service-account.key')}`,
        `--root-ca-file=${join(pki, 'apiserver.crt')}`,
        '--use-service-account-credentials=false',
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
        '--v=1',
      ],
    },
    // Ready once it has created the ServiceAccount of the default namespace.
    ready: async () => (await kubeGet(ctx, '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    readyTimeoutMs: 60_000,
  };
}

export function kubeSchedulerComponent(ctx: StackContext): ComponentSpec {
  return {
    name: 'kube-scheduler',
    process: {
      command: ctx.artifacts.kubeScheduler,
      args: [
        `--kubeconfig=${kubeconfig(ctx, 'kube-scheduler')}`,
        `--authentication-kubeconfig=${kubeconfig(ctx, 'kube-scheduler')}`,
        `--authorization-kubeconfig=${kubeconfig(ctx, 'kube-scheduler')}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--v=1',
      ],
    },
    // The scheduler has no health endpoint with --secure-port=0; it is checked end to end by the
    // kwok node becoming schedulable and, in tests, by pods being bound.
    ready: async () => true,
    readyTimeoutMs: 5_000,
  };
}

/** kwok stands in for the kubelet: it marks its fake node Ready and pods bound to it Running and Ready. */
export function kwokComponent(ctx: StackContext, stagesFile: string): ComponentSpec {
  return {
    name: 'kwok',
    process: {
      command: ctx.artifacts.kwok,
      args: [
        `--kubeconfig=${kubeconfig(ctx, 'kwok')}`,
        `--config=${stagesFile}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-label-selector=type=kwok',
        `--server-address=127.0.0.1:${ctx.ports.kwok}`,
        '--node-ip=127.0.0.1',
        '--cidr=10.244.0.0/16',
      ],
    },
    ready: async () => {
      const res = await fetch(`http://127.0.0.1:${ctx.ports.kwok}/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    },
    readyTimeoutMs: 30_000,
  };
}
