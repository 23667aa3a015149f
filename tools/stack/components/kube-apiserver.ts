import { join } from 'node:path';
import { kubeGet } from '../kube-http';
import type { ComponentSpec, StackContext } from './component';

/** The kube-apiserver, run like controller-runtime's envtest: loopback only, RBAC on, static tokens. */
export function kubeApiserverComponent(ctx: StackContext): ComponentSpec {
  const pki = join(ctx.dir, 'pki');
  return {
    name: 'kube-apiserver',
    process: {
      command: ctx.artifacts.kubeApiserver,
      args: [
        `--etcd-servers=http://127.0.0.1:${ctx.ports.etcd}`,
        `--cert-dir=${pki}`,
        `--secure-port=${ctx.ports['kube-apiserver']}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // Room for a Service per waypoint in a stack holding thousands of namespaces.
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        // ServiceAccount: pods may be created before their namespace's default ServiceAccount exists.
        // TaintNodesByCondition: it taints new nodes not-ready, and only the node lifecycle
        // controller, off here because kwok's node sends no heartbeats, would lift the taint.
        '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
        `--service-account-key-file=${join(pki, 'service-account.key')}`,
        `--service-account-signing-key-file=${join(pki, 'service-account.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        '--allow-privileged=true',
        '--v=1',
      ],
    },
    ready: async () => (await kubeGet(ctx, '/readyz')).status === 200,
    readyTimeoutMs: 60_000,
  };
}
