import type { Client } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { ProvisionerNamespace } from '../workflows/search-attributes';

/** One build of the worker as the server knows it. */
export interface BuildSummary {
  buildId: string;
  /** The server's word: current, ramping, draining, drained or inactive. */
  status: string;
  /** When it first became current or ramping; never set for a build that never was. */
  firstActivation?: Date;
}

/** A worker deployment: its builds and which one is current, since when. */
export interface DeploymentSummary {
  current?: string;
  /** When the current build last changed (a new build, or a rollback). */
  currentSince?: Date;
  builds: BuildSummary[];
}

/** gRPC's NOT_FOUND: no worker of the deployment has polled yet. */
const GRPC_NOT_FOUND = 5;

const STATUS = ['unspecified', 'inactive', 'current', 'ramping', 'draining', 'drained'];

const toDate = (t?: { seconds?: unknown; nanos?: number | null } | null) => (t?.seconds ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)) : undefined);

/** The deployment as the server describes it; undefined before any worker of it polled. */
export async function describeDeployment(client: Client, deploymentName: string): Promise<DeploymentSummary | undefined> {
  try {
    const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName });
    return {
      current: info?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined,
      currentSince: toDate(info?.routingConfig?.currentVersionChangedTime),
      builds: (info?.versionSummaries ?? []).map((v) => ({
        buildId: v.deploymentVersion?.buildId ?? '',
        status: STATUS[v.status ?? 0] ?? 'unspecified',
        firstActivation: toDate(v.firstActivationTime),
      })),
    };
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return undefined;
    throw error;
  }
}

/** Makes `buildId` the deployment's current build: new workflows start on it, pinned ones are told. */
export async function makeBuildCurrent(client: Client, deploymentName: string, buildId: string, identity: string): Promise<void> {
  await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: client.options.namespace, deploymentName, buildId, identity });
}

/** The value of the server's TemporalWorkerDeploymentVersion search attribute for a build. */
export function deploymentVersionKey(deploymentName: string, buildId: string): string {
  return `${deploymentName}:${buildId}`;
}

/**
 * Namespaces whose workflow runs on another build of the deployment than `buildId`,
 * up to `limit`, from the server's visibility store (refreshed within seconds of each change).
 */
export async function namespacesOnOtherBuilds(client: Client, deploymentName: string, buildId: string, limit: number): Promise<string[]> {
  const query = [
    `WorkflowType = 'namespaceWorkflow'`,
    `ExecutionStatus = 'Running'`,
    `TemporalWorkerDeployment = '${deploymentName}'`,
    `TemporalWorkerDeploymentVersion != '${deploymentVersionKey(deploymentName, buildId)}'`,
  ].join(' AND ');
  const namespaces: string[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
    const namespace = execution.typedSearchAttributes.get(ProvisionerNamespace);
    if (namespace) namespaces.push(namespace);
    if (namespaces.length >= limit) break;
  }
  return namespaces;
}

/** The workflow types a build may still run, in the order `builds` prints them. */
export const VERSIONED_TYPES = ['namespaceWorkflow', 'migrationWorkflow', 'keycloakAuditWorkflow', 'buildUpgradeWorkflow'] as const;

/** How many runs of each type are open on a build of the deployment. */
export async function runningOnBuild(client: Client, deploymentName: string, buildId: string): Promise<Record<(typeof VERSIONED_TYPES)[number], number>> {
  const counts = await Promise.all(
    VERSIONED_TYPES.map(async (type) => {
      const query = `WorkflowType = '${type}' AND ExecutionStatus = 'Running' AND TemporalWorkerDeploymentVersion = '${deploymentVersionKey(deploymentName, buildId)}'`;
      return [type, (await client.workflow.count(query)).count] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<(typeof VERSIONED_TYPES)[number], number>;
}
