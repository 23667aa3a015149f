import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../model/activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../../model/errors';
import type { EventInput } from '../../model/events';
import type { NamespaceInspection, ProvisioningConfig } from '../../model/provisioning';
import { keycloakSettings } from '../fixtures/keycloak-settings';

/** A namespace with one agent Deployment, as inspectNamespace reads it from a real cluster. */
export function agentNamespace(overrides: Partial<NamespaceInspection> = {}): NamespaceInspection {
  return {
    exists: true,
    terminating: false,
    optedIn: false,
    ambientLabelsSet: false,
    agentPods: 1,
    toolPods: 0,
    workloads: [{ kind: 'Deployment', name: 'agent', uid: 'uid-agent', type: 'agent', serviceAccountName: 'agent', legacyRegistration: false }],
    sidecarMode: false,
    provisionedBefore: false,
    waypointGateway: 'team1-waypoint',
    ...overrides,
  };
}

/** The config resolveProvisioningConfig returns with the operator ConfigMap and admin Secret in place. */
export function completeConfig(overrides: Partial<ProvisioningConfig> = {}): ProvisioningConfig {
  return {
    waypointProvisioning: true,
    clientRegistration: true,
    injectTools: false,
    removeWhenEmpty: false,
    spireTrustDomain: '',
    waypointReadyTimeoutSeconds: 60,
    retryIntervalSeconds: 30,
    keycloak: keycloakSettings,
    adminSecretReady: true,
    adminSecretInWorkloadNamespace: false,
    ...overrides,
  };
}

export interface FakeCluster {
  namespace: NamespaceInspection;
  config: ProvisioningConfig;
  /** Migration: whether each wave rolls out. */
  rollsOut: boolean;
  /** Activities by name that fail this many more times before they succeed. */
  failuresLeft: Record<string, number>;
  /** The failure type those failures carry, by activity (default PlantedFault). */
  failureType: Record<string, string>;
}

/**
 * Activities replaced by fakes that answer as the real ones did on the real stack (the shapes of
 * their recorded results), and record each call by name in order. Only what a workflow decides on
 * is modelled: the cluster and Keycloak themselves are proven by the integration tests.
 */
export function fakeActivities(cluster: FakeCluster) {
  const calls: string[] = [];
  const events: EventInput[] = [];
  const call = <R>(name: string, result: () => R) => async () => {
    calls.push(name);
    const left = cluster.failuresLeft[name] ?? 0;
    if (left > 0) {
      cluster.failuresLeft[name] = left - 1;
      const type = cluster.failureType[name] ?? 'PlantedFault';
      // As the real activities throw them: this project's own failure types are non-retryable.
      throw ApplicationFailure.create({ message: `${name} failed: ${type} (fault planted by the test)`, type, nonRetryable: NON_RETRYABLE_ERROR_TYPES.includes(type) });
    }
    return result();
  };
  const unchanged = { outcome: 'unchanged' as const };
  const PROGRAMMED = { ready: true, refused: false, reason: 'Programmed', message: '' };
  const updated = { outcome: 'updated' as const };
  const workloads = () => cluster.namespace.workloads.map(({ kind, name, uid, serviceAccountName }) => ({ kind, name, uid, serviceAccountName }));
  const activities: Activities = {
    inspectNamespace: call('inspectNamespace', () => cluster.namespace),
    resolveProvisioningConfig: call('resolveProvisioningConfig', () => cluster.config),
    ensureNamespaceLabels: call('ensureNamespaceLabels', () => updated),
    removeNamespaceLabels: call('removeNamespaceLabels', () => unchanged),
    // As if istiod programmed the waypoint at once: tests of the wait plant a slower istiod.
    ensureWaypointGateway: call('ensureWaypointGateway', () => ({ outcome: 'created' as const, readiness: PROGRAMMED })),
    deleteWaypointGateway: call('deleteWaypointGateway', () => unchanged),
    lookAtWaypoint: call('lookAtWaypoint', () => PROGRAMMED),
    waitForGatewayProgrammed: call('waitForGatewayProgrammed', () => PROGRAMMED),
    recordNamespaceStatus: call('recordNamespaceStatus', () => updated),
    recordEvents: async (batch) => {
      events.push(...batch);
      return call('recordEvents', () => undefined)();
    },
    registerWorkload: call('registerWorkload', () => ({
      clientId: 'team1/agent',
      outcome: 'created' as const,
      drift: [],
      missingPlatformClients: [],
      secretName: 'kagenti-keycloak-client-credentials-a325925866a45ebf',
      secret: 'created' as const,
      annotation: 'updated' as const,
    })),
    ensureKeycloakClient: call('ensureKeycloakClient', () => ({ clientId: 'team1/agent', outcome: 'created' as const, drift: [], missingPlatformClients: [] })),
    ensureClientCredentialsSecret: call('ensureClientCredentialsSecret', () => ({ secretName: 'kagenti-keycloak-client-credentials-a325925866a45ebf', outcome: 'created' as const })),
    deleteStaleKeycloakClients: call('deleteStaleKeycloakClients', () => ({ deleted: [] })),
    auditKeycloak: call('auditKeycloak', () => ({ realms: [], outOfLine: [], outOfLineCount: 0, examples: [] })),
    wakeNamespaces: async (input) => call('wakeNamespaces', () => ({ woken: input.namespaces.length }))(),
    listNamespacesOnOtherBuilds: call('listNamespacesOnOtherBuilds', () => []),
    moveAuditToCurrentBuild: call('moveAuditToCurrentBuild', () => undefined),
    migrationPreflight: call('migrationPreflight', () => ({
      checks: [{ name: 'namespace', ok: true, message: 'in sidecar mode' }],
      config: cluster.config,
      workloads: workloads().map(({ kind, name }) => ({ kind, name })),
    })),
    holdNamespaceForMigration: call('holdNamespaceForMigration', () => updated),
    releaseNamespaceFromMigration: call('releaseNamespaceFromMigration', () => updated),
    takeMigrationSnapshot: call('takeMigrationSnapshot', () => ({
      secretName: 'kagenti-migration-snapshot-team1',
      takenAt: '2026-11-30T00:00:00Z',
      workloads: workloads(),
      legacySecrets: ['agent-client-registration'],
      gatewayExisted: false,
      reused: false,
    })),
    deleteMigrationSnapshot: call('deleteMigrationSnapshot', () => undefined),
    removeIstioInjection: call('removeIstioInjection', () => updated),
    restoreNamespaceLabels: call('restoreNamespaceLabels', () => updated),
    switchWorkloadToWaypoint: call('switchWorkloadToWaypoint', () => updated),
    restoreWorkloadTemplate: call('restoreWorkloadTemplate', () => updated),
    waitForRollout: call('waitForRollout', () => (cluster.rollsOut ? { done: true, pending: [] } : { done: false, pending: [{ workload: 'Deployment agent', detail: '0 of 1 updated' }] })),
    validateMigratedWorkload: call('validateMigratedWorkload', () => ({ workload: 'Deployment agent', ok: true, failures: [] })),
    removeMigratedRegistration: call('removeMigratedRegistration', () => ({ outcome: 'deleted' as const, clientId: 'team1/agent' })),
    deleteLegacySecrets: call('deleteLegacySecrets', () => ({ deleted: ['agent-client-registration'] })),
    restoreLegacySecrets: call('restoreLegacySecrets', () => ({ restored: ['agent-client-registration'] })),
    removeMigrationGateway: call('removeMigrationGateway', () => ({ outcome: 'deleted' as const })),
  };
  return { activities, calls, events };
}

export function fakeCluster(overrides: Partial<FakeCluster> = {}): FakeCluster {
  return { namespace: agentNamespace(), config: completeConfig(), rollsOut: true, failuresLeft: {}, failureType: {}, ...overrides };
}
