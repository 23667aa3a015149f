import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPORAL_WORKER_CLIENT_ID } from '../../model/names';
import { grpcCode } from '../../config/temporal-connection';
import { STACK_TLS_SERVER_NAME } from '../../tools/stack/production/stack-ca';
import { ensureIstioFootprint } from '../../tools/local/istio-footprint';
import { migrationWorkflowId } from '../../model/workflow-ids';
import { provisionAgent } from '../harness/cluster';
import { eventually } from '../harness/eventually';
import { awaitingGate, createSidecarNamespace, progressOf, projectCli, startMigration, temporalCli } from '../harness/migration';
import { startProvisioner, TestProvisioner } from '../harness/provisioner';
import { adminKubeConfig, keycloakAdmin, testStack } from '../harness/stack';
import { personToken, temporalTokenUrl } from '../harness/temporal-access';
import { claims, clientCredentialsToken } from '../harness/tokens';
import { startProvisionerProcess, WorkerProcess } from '../harness/worker-process';

// Who may act on the production profile's Temporal: its frontend serves TLS only and its authorizer
// (Temporal's default JWT claim mapper and authorizer) takes tokens of the stack's Temporal realm in
// Keycloak. Istio's data plane is played by a stand-in ztunnel DaemonSet for the migration's preflight.
//
// The provisioner here (a worker process and a watcher) holds a client like the deployed worker's
// (role worker) whose tokens live 10 s: every test runs across several renewals.
let provisioner: TestProvisioner | undefined;
let worker: WorkerProcess | undefined;
let clientId: string;
let secret: string;
let secretFile: string;
const realm = () => testStack().temporal.access!.realm;

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
  const admin = await keycloakAdmin(realm());
  const template = (await admin.clients.find({ clientId: TEMPORAL_WORKER_CLIENT_ID }))[0];
  clientId = `short-lived-${randomBytes(3).toString('hex')}`;
  secret = randomBytes(18).toString('base64url');
  await admin.clients.create({ clientId, publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false, secret, attributes: { 'access.token.lifespan': '10' } });
  const created = (await admin.clients.find({ clientId }))[0];
  for (const scope of await admin.clients.listDefaultClientScopes({ id: template.id! })) await admin.clients.addDefaultClientScope({ id: created.id!, clientScopeId: scope.id! });
  const account = await admin.clients.getServiceAccountUser({ id: created.id! });
  const role = (await admin.roles.findOneByName({ name: 'worker' }))!;
  await admin.users.addRealmRoleMappings({ id: account.id!, roles: [{ id: role.id!, name: role.name! }] });
  secretFile = join(mkdtempSync(join(tmpdir(), 'kwp-token-')), 'client-secret');
  writeFileSync(secretFile, secret, { mode: 0o600 });
  provisioner = await startProvisioner({ inProcessWorker: false, settings: { temporalClientId: clientId, temporalClientSecretFile: secretFile } });
  worker = startProvisionerProcess('worker', provisioner.settings, []);
});
afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await provisioner?.stop();
  const admin = await keycloakAdmin(realm());
  const created = (await admin.clients.find({ clientId }))[0];
  if (created) await admin.clients.del({ id: created.id! });
});

const workerLog = () => worker!.output.join('');

/** A connection to the frontend over TLS that sends `token`, or nothing. */
async function connect(token?: string): Promise<Client> {
  const { temporal } = testStack();
  const connection = await Connection.connect({
    address: temporal.address,
    tls: { serverRootCACertificate: readFileSync(temporal.tls!.caFile), serverNameOverride: STACK_TLS_SERVER_NAME },
    ...(token ? { apiKey: token } : {}),
  });
  return new Client({ connection, namespace: temporal.namespace });
}

/** The gRPC code a call failed with; undefined when it succeeded. */
async function codeOf(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    const code = grpcCode(error);
    if (code === undefined) throw error;
    return code;
  }
}

const PERMISSION_DENIED = 7;
const listOnce = (client: Client) => client.workflow.list({ query: `WorkflowType = 'migrationWorkflow'`, pageSize: 1 })[Symbol.asyncIterator]().next();

test('the frontend serves TLS only and refuses a call without a token, or with a token of another realm', async () => {
  const { temporal, keycloak } = testStack();
  await expect(Connection.connect({ address: temporal.address, connectTimeout: 5000 })).rejects.toThrow();

  const anonymous = await connect();
  expect(await codeOf(listOnce(anonymous))).toBe(PERMISSION_DENIED);
  await anonymous.connection.close();

  // The provisioner's own Keycloak identity, in the agents' realm: a valid token, of keys Temporal does not trust.
  const foreign = await clientCredentialsToken(keycloak.provisioner.clientId, keycloak.provisioner.clientSecret);
  // Refused as soon as it is shown: a token the server cannot verify fails even the calls it allows without one.
  expect(await codeOf(connect(foreign.body.access_token as string))).toBe(PERMISSION_DENIED);
});

test("a viewer lists and reads a migration but its approval is refused; an approver's goes through, and the history says who sent it", async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'acl');
  const handle = await startMigration(provisioner!.client, provisioner!.settings.taskQueue, { namespace });
  await awaitingGate(handle, 'preflight');
  const taskQueue = provisioner!.settings.taskQueue;

  const viewerToken = await personToken('viewer');
  expect(claims(viewerToken).permissions).toEqual(expect.arrayContaining([`${testStack().temporal.namespace}:read`]));
  expect((await projectCli(taskQueue, ['list'], 'viewer')).stdout).toContain(migrationWorkflowId(namespace));
  expect((await projectCli(taskQueue, ['status', namespace], 'viewer')).stdout).toMatch(/preflight/);
  await expect(projectCli(taskQueue, ['approve', namespace], 'viewer')).rejects.toThrow(/Temporal refused the call \(permission denied\)/);
  await expect(projectCli(taskQueue, ['rollback', namespace, '--reason', 'not mine to say'], 'viewer')).rejects.toThrow(/permission denied/);
  // Nor with the temporal CLI and the viewer's token.
  const viewer = await connect(viewerToken);
  expect(await codeOf(viewer.workflow.getHandle(migrationWorkflowId(namespace)).signal('approve', { gate: 'preflight' }))).toBe(PERMISSION_DENIED);
  await viewer.connection.close();
  // The migration did not move.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const still = await progressOf(handle);
  expect(still.awaiting?.gate).toBe('preflight');
  expect(still.approvals).toEqual([]);

  expect((await projectCli(taskQueue, ['approve', namespace, '--gate', 'preflight'])).stdout).toContain("Approved gate 'preflight'");
  await awaitingGate(handle, 'snapshot');
  const progress = await progressOf(handle);
  expect(progress.approvals).toEqual([expect.objectContaining({ gate: 'preflight', by: testStack().temporal.access!.users.approver.username, via: 'update' })]);
  // What the history keeps of it: the caller's identity as the CLI declared it (from its token).
  const history = await handle.fetchHistory();
  const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!.workflowExecutionUpdateAcceptedEventAttributes!;
  expect(accepted.acceptedRequest?.meta?.identity).toMatch(/^approver \(kwp cli, /);
  await temporalCli(['workflow', 'terminate', '--workflow-id', migrationWorkflowId(namespace), '--reason', 'test over']);
});

test("a worker's token writes on the project's namespace only: server-wide calls and another namespace are refused", async () => {
  const client = await connect(await workerToken());
  expect(await codeOf(listOnce(client))).toBeUndefined();
  expect(await codeOf(client.connection.workflowService.listNamespaces({}))).toBe(PERMISSION_DENIED);
  expect(await codeOf(client.connection.operatorService.addSearchAttributes({ namespace: testStack().temporal.namespace, searchAttributes: { Stolen: 1 } }))).toBe(PERMISSION_DENIED);
  expect(await codeOf(client.connection.workflowService.listWorkflowExecutions({ namespace: 'temporal-system', pageSize: 1 }))).toBe(PERMISSION_DENIED);
  await client.connection.close();
});

/** A token of the provisioner's client here (role worker). */
async function workerToken(): Promise<string> {
  return (await clientCredentialsToken(clientId, secret, temporalTokenUrl())).body.access_token as string;
}

test('an expired token is refused', async () => {
  const client = await connect(await workerToken());
  expect(await codeOf(listOnce(client))).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  expect(await codeOf(listOnce(client))).toBe(PERMISSION_DENIED);
  await client.connection.close();
}, 30_000);

test('the worker process and the watcher renew their tokens, and recover when renewal failed until the token expired', async () => {
  await provisionAgentThroughWorker();
  // Renewal fails (the secret file holds a wrong secret) until the token has expired: calls are refused.
  writeFileSync(secretFile, 'not-the-secret');
  await eventually(async () => (workerLog().includes('Temporal token renewal failed') ? true : undefined), 20_000, 'a failed renewal');
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  // Fixed within the minute the worker's pollers keep trying: the next renewal succeeds.
  writeFileSync(secretFile, secret);
  await eventually(async () => (workerLog().includes('Temporal token renewed again') ? true : undefined), 20_000, 'the renewal to succeed again');
  await provisionAgentThroughWorker();
  expect(worker!.child.exitCode).toBeNull();
}, 180_000);

/** A new agent namespace gets its credentials Secret, registered by the worker process. */
async function provisionAgentThroughWorker(): Promise<void> {
  const namespace = await provisionAgent('ttl');
  // Its log line may reach this process a moment after the Secret reached the apiserver.
  const created = new RegExp(`"namespace":"${namespace}"[^\n]*"msg":"Created Keycloak client"`);
  await eventually(async () => (created.test(workerLog()) ? true : undefined), 10_000, `the worker process's log to name the client it created in ${namespace}`);
}
