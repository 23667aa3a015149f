import { slim } from '../../../watcher/slim';

const metadata = () => ({ name: 'x', namespace: 'team1', labels: { a: 'b' }, managedFields: [{ manager: 'kubectl' }] });

test('a Secret keeps its metadata only: no client secret stays in the watcher', () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: metadata(), type: 'Opaque', data: { 'client-secret.txt': 'czNjcmV0' } };
  slim('secrets', secret);
  expect(secret).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'team1', labels: { a: 'b' } } });
});

test('a workload keeps its spec, a Gateway its spec and status, a pod neither', () => {
  const deployment = { metadata: metadata(), spec: { template: {} }, status: { replicas: 1 } };
  slim('deployments', deployment);
  expect(deployment).toEqual({ metadata: { name: 'x', namespace: 'team1', labels: { a: 'b' } }, spec: { template: {} } });
  const gateway = { metadata: metadata(), spec: { gatewayClassName: 'c' }, status: { conditions: [] } };
  slim('gateways', gateway);
  expect(gateway).toEqual({ metadata: { name: 'x', namespace: 'team1', labels: { a: 'b' } }, spec: { gatewayClassName: 'c' }, status: { conditions: [] } });
  const pod = { metadata: metadata(), spec: { containers: [] }, status: { phase: 'Running' } };
  slim('pods', pod);
  expect(pod).toEqual({ metadata: { name: 'x', namespace: 'team1', labels: { a: 'b' } } });
});
