import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeGet } from '../kube-http';
import type { ComponentSpec, StackContext } from './component';

/** The apiserver's audit log (JSON lines), in the stack's logs folder. */
export function auditLogPath(dir: string): string {
  return join(dir, 'logs', 'kube-apiserver-audit.log');
}

/**
 * What the audit log records: the requests of ServiceAccounts only (the provisioner's worker and
 * watcher run as ServiceAccounts; the stack's own components run as static-token users). A policy
 * rule cannot match user names by pattern, so it takes the group `system:serviceaccounts` and the
 * tests pick the provisioner's users out of it. Writes to Namespaces and workloads at Request level
 * (their patch bodies: which fields), every other request at Metadata level: never a Secret's data.
 */
const AUDIT_POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    {
      level: 'Request',
      userGroups: ['system:serviceaccounts'],
      verbs: ['create', 'update', 'patch'],
      resources: [
        { group: '', resources: ['namespaces'] },
        { group: 'apps', resources: ['deployments', 'statefulsets'] },
      ],
    },
    { level: 'Metadata', userGroups: ['system:serviceaccounts'] },
    { level: 'None' },
  ],
};

/** The kube-apiserver, run like controller-runtime's envtest: loopback only, RBAC on, static tokens, an audit log of ServiceAccounts' requests. */
export function kubeApiserverComponent(ctx: StackContext): ComponentSpec {
  const pki = join(ctx.dir, 'pki');
  const auditPolicy = join(pki, 'audit-policy.json');
  writeFileSync(auditPolicy, `${JSON.stringify(AUDIT_POLICY, null, 2)}\n`, { mode: 0o600 });
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
        // ValidatingAdmissionPolicy stays on (a default plugin since 1.30): deploy/base ships one.
        '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
        `--service-account-key-file=${join(pki, 'service-account.key')}`,
        `--service-account-signing-key-file=${join(pki, 'service-account.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        `--audit-policy-file=${auditPolicy}`,
        `--audit-log-path=${auditLogPath(ctx.dir)}`,
        '--audit-log-format=json',
        // Written as each request completes, so a test reads it right after; bounded in size.
        '--audit-log-mode=blocking',
        '--audit-log-maxsize=200',
        '--audit-log-maxbackup=1',
        '--allow-privileged=true',
        '--v=1',
      ],
    },
    ready: async () => (await kubeGet(ctx, '/readyz')).status === 200,
    readyTimeoutMs: 60_000,
  };
}
