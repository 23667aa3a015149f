import type { V1Deployment, V1Secret } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_SECRET, snapshotSecretName, waypointGatewayName } from '../../model/names';
import { ISTIO_MANAGED_LABEL } from '../../model/labels';
import { migrationWorkflowId } from '../../model/workflow-ids';
import { progressQuery } from '../../workflows/migration/messages';
import type { MigrationInput, MigrationProgress } from '../../model/migration';
import { tsxCommand } from '../../tools/tsx';
import { apps, core, eventReasons, readGateway, readSecretOrUndefined } from './cluster';
import { eventually } from './eventually';
import { Person, personToken, temporalCliEnvironment, temporalNeedsTokens, toolingToken } from './temporal-access';
import { keycloakAdmin, testStack, uniqueName } from './stack';


/** The labels that put a workload in Kagenti's legacy sidecar mode (spec §8). */
export const SIDECAR_MODE_LABELS = { 'kagenti.io/type': 'agent', 'kagenti.io/inject': 'enabled', 'kagenti.io/client-registration-inject': 'true' };

function sidecarDeployment(name: string): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...SIDECAR_MODE_LABELS }, annotations: { 'example.com/owner': 'team-a' } },
        spec: { serviceAccountName: name, containers: [{ name: 'agent', image: 'example/agent:1' }] },
      },
    },
  };
}

/**
 * A namespace as Kagenti's sidecar mode leaves it: istio-injection on, agent Deployments with the
 * legacy opt-in labels (the sidecar injector adds their sidecars at admission), a legacy
 * client-registration Secret and a keycloak-admin-secret in the namespace, plus a label, an
 * annotation and a Secret of the user's that a migration must not touch.
 */
export async function createSidecarNamespace(workloads: string[], prefix = 'mig'): Promise<string> {
  const namespace = uniqueName(prefix);
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'istio-injection': 'enabled', team: 'a' }, annotations: { 'example.com/contact': 'team-a@example.com' } } },
  });
  const secret = (name: string, labels: Record<string, string>, data: Record<string, string>): V1Secret => ({
    metadata: { name, labels },
    type: 'Opaque',
    stringData: data,
  });
  await Promise.all([
    core.createNamespacedSecret({ namespace, body: secret('agent-client-registration', { 'kagenti.io/client-registration': 'legacy' }, { 'client-id.txt': 'legacy-id', 'client-secret.txt': 'legacy-secret-value' }) }),
    core.createNamespacedSecret({ namespace, body: secret(ADMIN_SECRET, {}, { KEYCLOAK_ADMIN_USERNAME: 'legacy-admin', KEYCLOAK_ADMIN_PASSWORD: 'legacy-admin-password' }) }),
    core.createNamespacedSecret({ namespace, body: secret('user-data', { app: 'mine' }, { token: 'user-token' }) }),
    ...workloads.map((name) => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })),
  ]);
  for (const name of workloads) await apps.createNamespacedDeployment({ namespace, body: sidecarDeployment(name) });
  await eventually(async () => ((await podsOf(namespace)).length === workloads.length ? true : undefined), 60_000, `the sidecar-mode pods of ${namespace}`);
  return namespace;
}

export async function podsOf(namespace: string, app?: string) {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: app ? `app=${app}` : 'kagenti.io/type=agent' });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
}

/** What a rollback must return to exactly: namespace labels and annotations, pod templates, Secrets. */
export interface NamespaceState {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  templates: Record<string, unknown>;
  secrets: Record<string, { type?: string; labels?: Record<string, string>; data?: Record<string, string> }>;
}

export async function captureState(namespace: string): Promise<NamespaceState> {
  const [ns, deployments, secrets] = await Promise.all([
    core.readNamespace({ name: namespace }),
    apps.listNamespacedDeployment({ namespace }),
    core.listNamespacedSecret({ namespace }),
  ]);
  return {
    labels: ns.metadata?.labels ?? {},
    annotations: ns.metadata?.annotations ?? {},
    // The waypoint's Deployment is istiod's, made for the Gateway: not a workload a migration touches.
    templates: Object.fromEntries(deployments.items.filter((d) => !d.metadata?.labels?.[ISTIO_MANAGED_LABEL]).map((d) => [d.metadata!.name!, d.spec!.template])),
    secrets: Object.fromEntries(secrets.items.map((s) => [s.metadata!.name!, { type: s.type, labels: s.metadata?.labels, data: s.data }])),
  };
}

export async function snapshotExists(operatorNamespace: string, namespace: string): Promise<boolean> {
  return (await readSecretOrUndefined(operatorNamespace, snapshotSecretName(namespace))) !== undefined;
}

export function migrationHandle(client: Client, namespace: string): WorkflowHandle {
  return client.workflow.getHandle(migrationWorkflowId(namespace));
}

export async function startMigration(client: Client, taskQueue: string, input: MigrationInput): Promise<WorkflowHandle> {
  return client.workflow.start('migrationWorkflow', { workflowId: migrationWorkflowId(input.namespace), taskQueue, args: [input] });
}

export async function progressOf(handle: WorkflowHandle): Promise<MigrationProgress> {
  return handle.query(progressQuery);
}

/** Waits until the migration awaits approval of `gate`. */
export function awaitingGate(handle: WorkflowHandle, gate: string, timeoutMs = 90_000): Promise<MigrationProgress> {
  return eventually(
    async () => {
      const progress = await progressOf(handle);
      if (progress.state === 'RolledBack' || progress.state === 'Failed') throw new Error(`the migration ended ${progress.state}: ${progress.reason}`);
      return progress.awaiting?.gate === gate ? progress : undefined;
    },
    timeoutMs,
    `the migration to await approval of ${gate}`,
  );
}

const run = promisify(execFile);

/**
 * Runs a command and returns its output, failing with its output on a non-zero exit. Never
 * synchronously: the worker under test runs in this process and must keep serving meanwhile.
 */
export async function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { encoding: 'utf8', timeout: 60_000, env });
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} exited ${e.code}: ${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: error });
  }
}

/** The real `temporal` CLI against the test stack (production: as its tooling); returns its stdout. */
export async function temporalCli(args: string[]): Promise<string> {
  const token = temporalNeedsTokens() ? await toolingToken() : undefined;
  return (await runCommand(testStack().temporal.cli, args, { ...process.env, ...temporalCliEnvironment(token) })).stdout;
}

/** The containers of a sidecar-mode agent pod, as the legacy injector leaves it. */
export const SIDECAR_CONTAINERS = ['agent', 'envoy-proxy', 'kagenti-client-registration', 'spiffe-helper'];

/** The namespace is exactly as before the migration, nothing it added is left, and the sidecars are back. */
export async function expectRestored(namespace: string, before: NamespaceState, operatorNamespace: string): Promise<void> {
  expect(await captureState(namespace)).toEqual(before);
  expect(await readGateway(namespace, waypointGatewayName(namespace))).toBeUndefined();
  expect(await snapshotExists(operatorNamespace, namespace)).toBe(false);
  expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['MigrationRollingBack', 'MigrationRolledBack']));
  const admin = await keycloakAdmin();
  expect(await admin.clients.find({ clientId: `${namespace}/`, search: true })).toEqual([]);
  await eventually(
    async () => {
      const pods = await podsOf(namespace);
      return pods.length === Object.keys(before.templates).length && pods.every((p) => p.spec!.containers.map((c) => c.name).sort().join() === SIDECAR_CONTAINERS.join()) ? true : undefined;
    },
    60_000,
    'the pods to run with their sidecars again',
  );
}

/**
 * The project's CLI (cli/main.ts), as a user runs it against the test stack and `taskQueue`; on the
 * production profile signed in as `person` (default: the approver).
 */
export async function projectCli(taskQueue: string, args: string[], person: Person = 'approver'): Promise<{ stdout: string; stderr: string }> {
  const token = temporalNeedsTokens() ? await personToken(person) : undefined;
  const [command, baseArgs] = tsxCommand(join(__dirname, '..', '..', 'cli', 'main.ts'), args);
  return runCommand(command, baseArgs, { ...process.env, ...temporalCliEnvironment(token), TEMPORAL_TASK_QUEUE: taskQueue });
}
