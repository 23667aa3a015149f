import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'istiod',
  'sidecar-injector',
  'temporal',
  'keycloak',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export const PORT_NAMES = [
  'etcd',
  'etcd-peer',
  'kube-apiserver',
  'kwok',
  'istiod-http',
  'istiod-grpc',
  'istiod-secure-grpc',
  'istiod-https',
  'istiod-monitoring',
  'istiod-ctrlz',
  'sidecar-injector',
  'temporal',
  'temporal-ui',
  'temporal-http',
  'temporal-metrics',
  'keycloak',
  'keycloak-management',
] as const;
export type PortName = (typeof PORT_NAMES)[number];

export interface RunningComponent {
  pid: number;
  logFile: string;
}

/** Everything a client needs to use a running stack; written to `<stack dir>/stack.json` (mode 0600). */
export interface StackState {
  dir: string;
  startedAt: string;
  ports: Record<PortName, number>;
  components: Partial<Record<ComponentName, RunningComponent>>;
  temporal: { address: string; namespace: string; uiUrl: string; cli: string };
  kubernetes: { server: string; kubeconfig: string; caFile: string; adminToken: string };
  keycloak: {
    url: string;
    realm: string;
    adminUsername: string;
    adminPassword: string;
    platformClientId: string;
  };
}

export function stateFile(dir: string): string {
  return join(dir, 'stack.json');
}

export function readState(dir: string): StackState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

export function writeState(state: StackState): void {
  writeFileSync(stateFile(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Shell exports for a running stack, for `stack env` and for child processes. */
export function stackEnvironment(state: StackState): Record<string, string> {
  return {
    KWP_STACK_DIR: state.dir,
    KUBECONFIG: state.kubernetes.kubeconfig,
    TEMPORAL_ADDRESS: state.temporal.address,
    TEMPORAL_NAMESPACE: state.temporal.namespace,
    TEMPORAL_UI_URL: state.temporal.uiUrl,
    KEYCLOAK_URL: state.keycloak.url,
    KEYCLOAK_REALM: state.keycloak.realm,
  };
}
