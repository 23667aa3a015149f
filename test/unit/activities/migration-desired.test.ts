import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { migratedNamespaceLabelKeys, waypointTemplateMetadata } from '../../../activities/migration/desired';
import { snapshotSecretName } from '../../../model/names';
import { rolloutPending } from '../../../activities/migration/workloads';

test('waypointTemplateMetadata drops every legacy opt-in and sets auth-mode, credentials and the restart stamp, keeping the rest', () => {
  const current = {
    labels: {
      app: 'a',
      'kagenti.io/type': 'agent',
      'kagenti.io/inject': 'enabled',
      'kagenti.io/envoy-proxy-inject': 'true',
      'kagenti.io/spiffe-helper-inject': 'true',
      'kagenti.io/client-registration-inject': 'true',
    },
    annotations: { 'kagenti.io/client-registration-inject': 'true', 'example.com/x': 'y' },
  };
  expect(waypointTemplateMetadata(current, 'creds', '2026-01-01T00:00:00.000Z')).toEqual({
    labels: { app: 'a', 'kagenti.io/type': 'agent', 'kagenti.io/auth-mode': 'waypoint' },
    annotations: { 'example.com/x': 'y', 'kagenti.io/keycloak-client-credentials-secret-name': 'creds', 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00.000Z' },
  });
  // The input is not changed.
  expect(current.labels['kagenti.io/inject']).toBe('enabled');
});

test('a migration touches istio-injection and the three ambient labels, and its snapshot is named after the namespace', () => {
  expect(migratedNamespaceLabelKeys('team1')).toEqual(['istio-injection', 'istio-discovery', 'istio.io/dataplane-mode', 'istio.io/use-waypoint']);
  expect(snapshotSecretName('team1')).toBe('kagenti-migration-snapshot-team1');
  expect(snapshotSecretName('x'.repeat(63)).length).toBeLessThanOrEqual(253);
});

describe('rolloutPending', () => {
  const deployment = (status: V1Deployment['status'], generation = 2, replicas = 2): V1Deployment => ({ metadata: { generation }, spec: { replicas, selector: {}, template: {} }, status });
  test('a Deployment is rolled out when the controller saw the template and every replica is updated and available, with no old one left', () => {
    expect(rolloutPending('Deployment', deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }))).toBeUndefined();
    expect(rolloutPending('Deployment', deployment({ observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }))).toBe('the controller has not seen the latest template yet');
    expect(rolloutPending('Deployment', deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 2 }))).toBe('1 of 2 replicas updated');
    expect(rolloutPending('Deployment', deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 }))).toBe('1 old replica(s) still running');
    expect(rolloutPending('Deployment', deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }))).toBe('1 of 2 replicas available');
  });
  test('a StatefulSet is rolled out when its current revision is the update revision and every replica is ready', () => {
    const sts = (status: V1StatefulSet['status']): V1StatefulSet => ({ metadata: { generation: 1 }, spec: { replicas: 1, selector: {}, serviceName: 's', template: {} }, status });
    expect(rolloutPending('StatefulSet', sts({ replicas: 1, observedGeneration: 1, updatedReplicas: 1, currentRevision: 'r2', updateRevision: 'r2', readyReplicas: 1 }))).toBeUndefined();
    expect(rolloutPending('StatefulSet', sts({ replicas: 1, observedGeneration: 1, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r2', readyReplicas: 1 }))).toBe('revision r1 not yet r2');
  });
});
