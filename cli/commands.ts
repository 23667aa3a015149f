import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { grpcCode } from '../config/temporal-connection';
import { migrationWorkflowId } from '../model/workflow-ids';
import { MigrationPhase, MigrationState } from '../workflows/search-attributes';
import { approveUpdate, progressQuery, rollbackUpdate } from '../workflows/migration/messages';
import type { MigrationInput } from '../model/migration';
import { describeDeployment, runningOnBuild, VERSIONED_TYPES } from '../temporal/worker-deployment';
import { formatProgress } from './format';

/** A command's failure that is the user's to fix: printed as one line, exit code 1. */
export class CommandError extends Error {}

/** gRPC's codes for a call the server's authorizer refused, and for one that carried no usable token. */
const REFUSED_CODES: Record<number, string> = { 7: 'permission denied', 16: 'not signed in' };

/**
 * Temporal's refusal of the caller, as the user's to fix: whose token may do what. Undefined for
 * any other error. The server says only "Request unauthorized": the roles come from the docs.
 */
export function refusal(error: unknown): CommandError | undefined {
  const code = grpcCode(error);
  const reason = code === undefined ? undefined : REFUSED_CODES[code];
  if (!reason) return undefined;
  return new CommandError(
    `Temporal refused the call (${reason}): migrate, approve and rollback need a token of the approver role; list and status the viewer role (TEMPORAL_API_KEY, or --temporal-token-url with a client's secret)`,
  );
}

const MIGRATION_WORKFLOW = 'migrationWorkflow';

/** Starts the migration of a namespace; one migration per namespace runs at a time. */
export async function migrate(client: Client, taskQueue: string, input: MigrationInput): Promise<string> {
  const workflowId = migrationWorkflowId(input.namespace);
  try {
    await client.workflow.start(MIGRATION_WORKFLOW, { workflowId, taskQueue, args: [input] });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CommandError(`a migration of ${input.namespace} is already running (workflow ${workflowId}); see: status ${input.namespace}`);
    throw error;
  }
  return `Started the migration of ${input.namespace} (workflow ${workflowId}). Follow it with: status ${input.namespace}`;
}

/** Runs a call on a namespace's migration; a refused Update or a missing migration becomes a CommandError. */
async function onMigration<R>(namespace: string, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new CommandError(`refused: ${error.cause?.message ?? error.message}`);
    if (error instanceof WorkflowNotFoundError) throw new CommandError(`no migration of ${namespace} is known (workflow ${migrationWorkflowId(namespace)})`);
    throw error;
  }
}

export async function approve(client: Client, namespace: string, approval: { gate?: string; by?: string; comment?: string }): Promise<string> {
  const handle = client.workflow.getHandle(migrationWorkflowId(namespace));
  const record = await onMigration(namespace, () => handle.executeUpdate(approveUpdate, { args: [approval] }));
  return `Approved gate '${record.gate}' of the migration of ${namespace}`;
}

export async function rollback(client: Client, namespace: string, request: { reason?: string; by?: string }): Promise<string> {
  const handle = client.workflow.getHandle(migrationWorkflowId(namespace));
  const result = await onMigration(namespace, () => handle.executeUpdate(rollbackUpdate, { args: [request] }));
  return `Rolling back the migration of ${namespace}: ${result.reason}`;
}

export async function status(client: Client, namespace: string, json: boolean): Promise<string> {
  const progress = await onMigration(namespace, () => client.workflow.getHandle(migrationWorkflowId(namespace)).query(progressQuery));
  return json ? JSON.stringify(progress, null, 2) : formatProgress(progress);
}

/** Every migration the Temporal namespace knows of, newest first, with its phase and state. */
export async function list(client: Client): Promise<string> {
  const rows: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${MIGRATION_WORKFLOW}'` })) {
    const phase = execution.typedSearchAttributes.get(MigrationPhase) ?? '-';
    const state = execution.typedSearchAttributes.get(MigrationState) ?? '-';
    rows.push(`${execution.workflowId.padEnd(40)} ${execution.status.name.padEnd(12)} ${state.padEnd(16)} ${phase}`);
  }
  return rows.length === 0 ? 'No migrations.' : [`${'WORKFLOW'.padEnd(40)} ${'STATUS'.padEnd(12)} ${'STATE'.padEnd(16)} PHASE`, ...rows].join('\n');
}

/**
 * The builds of the worker deployment: which is current, and what each still runs. A build that is
 * not current and runs nothing may be stopped (its workers' Deployment deleted).
 */
export async function builds(client: Client, deploymentName: string): Promise<string> {
  const deployment = await describeDeployment(client, deploymentName);
  if (!deployment || deployment.builds.length === 0) return `No build of worker deployment ${deploymentName} has polled yet (a worker without --worker-build-id is unversioned).`;
  const rows: string[] = [];
  for (const build of deployment.builds) {
    const running = await runningOnBuild(client, deploymentName, build.buildId);
    const total = Object.values(running).reduce((a, b) => a + b, 0);
    const canStop = build.buildId !== deployment.current && total === 0;
    const runs = VERSIONED_TYPES.map((type) => String(running[type]).padStart(10)).join(' ');
    rows.push(`${build.buildId.padEnd(24)} ${build.status.padEnd(9)} ${runs}   ${canStop ? 'yes' : 'no'}`);
  }
  const header = `${'BUILD'.padEnd(24)} ${'STATUS'.padEnd(9)} ${'NAMESPACES'.padStart(10)} ${'MIGRATIONS'.padStart(10)} ${'AUDIT'.padStart(10)} ${'UPGRADE'.padStart(10)}   SAFE TO STOP`;
  return [`Worker deployment ${deploymentName}; current build: ${deployment.current ?? 'none'}`, header, ...rows].join('\n');
}
