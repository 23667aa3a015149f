import { desiredWaypointGateway } from '../../../model/waypoint-gateway';
import { CREDENTIALS_ANNOTATION, STATUS_ANNOTATION } from '../../../model/labels';
import { ambientLabels, credentialsSecretName } from '../../../model/names';
import { CachedNamespace, unsettledReason } from '../../../watcher/settled';

const options = { waypointProvisioning: true, clientRegistration: true, injectTools: false };
const programmed = { status: { conditions: [{ type: 'Programmed', status: 'True' }] } };

function agent(name: string, annotations: Record<string, string> = { [CREDENTIALS_ANNOTATION]: credentialsSecretName('team1', name) }, type = 'agent') {
  return { metadata: { name, namespace: 'team1' }, spec: { template: { metadata: { labels: { 'kagenti.io/type': type }, annotations } } } };
}

/** A namespace exactly as a finished pass leaves it, with `change` applied. */
function settled(change: (c: CachedNamespace) => void = () => {}): CachedNamespace {
  const cached: CachedNamespace = {
    namespace: { metadata: { name: 'team1', labels: { team: 'a', ...ambientLabels('team1') }, annotations: { [STATUS_ANNOTATION]: JSON.stringify({ phase: 'Ready', waypointReady: true, agents: 1, waiting: [] }) } } },
    workloads: [agent('weather')],
    gateway: { ...desiredWaypointGateway('team1'), ...structuredClone(programmed) },
    secrets: new Set([credentialsSecretName('team1', 'weather')]),
  };
  change(cached);
  return cached;
}

test('a namespace as a finished pass leaves it is settled', () => {
  expect(unsettledReason(settled(), options)).toBeUndefined();
});

test('anything a pass would change makes it unsettled, with the reason', () => {
  const cases: [string, (c: CachedNamespace) => void][] = [
    ['never provisioned', (c) => delete c.namespace.metadata!.annotations![STATUS_ANNOTATION]],
    ['left it Waiting', (c) => (c.namespace.metadata!.annotations![STATUS_ANNOTATION] = JSON.stringify({ phase: 'Waiting', agents: 1 }))],
    ['2 agent workloads', (c) => c.workloads.push(agent('other', {}))],
    ['ambient labels differ', (c) => delete c.namespace.metadata!.labels!['istio.io/dataplane-mode']],
    ['Gateway is missing', (c) => delete c.gateway],
    ['Gateway differs', (c) => ((c.gateway as any).spec.gatewayClassName = 'other')],
    ['not Programmed', (c) => ((c.gateway as any).status.conditions = [])],
    ['lacks its credentials annotation', (c) => (c.workloads = [agent('weather', {})])],
    ['Secret of weather is missing', (c) => (c.secrets = new Set())],
  ];
  for (const [reason, change] of cases) expect(unsettledReason(settled(change), options)).toContain(reason);
});

test('workloads that get no client, and steps that are switched off, are not asked for', () => {
  const tool = settled((c) => {
    c.workloads = [agent('weather'), agent('search', {}, 'tool'), agent('legacy', { 'kagenti.io/client-registration-inject': 'true' })];
    c.namespace.metadata!.annotations![STATUS_ANNOTATION] = JSON.stringify({ phase: 'Ready', waypointReady: true, agents: 3 });
  });
  expect(unsettledReason(tool, options)).toBeUndefined();
  expect(unsettledReason(tool, { ...options, injectTools: true })).toContain('search lacks');
  expect(unsettledReason(settled((c) => delete c.gateway), { ...options, waypointProvisioning: false })).toBeUndefined();
  expect(unsettledReason(settled((c) => (c.secrets = new Set())), { ...options, clientRegistration: false })).toBeUndefined();
});
