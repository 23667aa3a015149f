import { Watch } from '@kubernetes/client-node';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { audienceScopeName, credentialsSecretName } from '../../../model/names';
import { apps, core, createAgentDeployment, createNamespace, decode, eventReasons, provisionerEvents, readGateway, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { adminKubeConfig, keycloakAdmin, uniqueName } from '../../harness/stack';
import { claims, clientCredentialsToken, exchangeToken } from '../../harness/tokens';
import { recordHistoryWhenAsked } from '../../harness/recorded-history';
import { scanHistories } from '../../harness/secret-scan';

// The stack's real istiod programs the waypoint.
const provisioner = provisionedSuite();

describe('an agent Deployment in a fresh namespace is provisioned end to end', () => {
  const namespace = uniqueName('team');
  const workload = 'weather-agent';
  const clientId = `${namespace}/${workload}`;
  const secretName = credentialsSecretName(namespace, workload);

  // Every write to the namespace's Deployments and Secrets, by resourceVersion: on etcd these are
  // revisions of one counter, so they order writes to different objects.
  const writes: { kind: string; resourceVersion: bigint; annotated: boolean }[] = [];
  const watches: { abort(): void }[] = [];

  beforeAll(async () => {
    await createNamespace(namespace, { team: 'weather' });
    const watch = new Watch(adminKubeConfig());
    for (const [kind, path] of [['Deployment', `/apis/apps/v1/namespaces/${namespace}/deployments`], ['Secret', `/api/v1/namespaces/${namespace}/secrets`]]) {
      watches.push(
        await watch.watch(path, {}, (_type: string, object: { metadata: { resourceVersion: string }; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }) => {
          const annotated = Boolean(object.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name']);
          writes.push({ kind, resourceVersion: BigInt(object.metadata.resourceVersion), annotated });
        }, () => undefined),
      );
    }
    await createAgentDeployment(namespace, workload);
  });
  afterAll(() => watches.forEach((w) => w.abort()));

  test('the namespace gets exactly the three ambient labels, other labels untouched', async () => {
    const labels = await eventually(async () => {
      const ns = await core.readNamespace({ name: namespace });
      return ns.metadata?.labels?.['istio.io/use-waypoint'] ? ns.metadata.labels : undefined;
    }, 30_000, 'the ambient labels');
    expect(labels).toMatchObject({
      'istio-discovery': 'enabled',
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': `${namespace}-waypoint`,
      team: 'weather',
    });
  });

  test('the waypoint Gateway has exactly the spec fields', async () => {
    const gateway = await eventually(() => readGateway(namespace, `${namespace}-waypoint`), 30_000, 'the Gateway');
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.kind).toBe('Gateway');
    expect(gateway.metadata.labels).toEqual({ 'istio.io/waypoint-for': 'all' });
    expect(gateway.spec.gatewayClassName).toBe('istio-waypoint');
    expect(gateway.spec.listeners.map(({ name, port, protocol }: Record<string, unknown>) => ({ name, port, protocol }))).toEqual([
      { name: 'mesh', port: 15008, protocol: 'HBONE' },
    ]);
  });

  test('the credentials Secret has the spec name, type, keys, label and owner', async () => {
    const secret = await eventually(() => readSecretOrUndefined(namespace, secretName), 30_000, `Secret ${secretName}`);
    const deployment = await apps.readNamespacedDeployment({ namespace, name: workload });
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['client-id.txt', 'client-secret.txt']);
    expect(decode(secret.data!['client-id.txt'])).toBe(clientId);
    expect(secret.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kagenti-waypoint-provisioner' });
    expect(secret.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment', name: workload, uid: deployment.metadata!.uid }),
    ]);
    const admin = await keycloakAdmin();
    const [client] = await admin.clients.find({ clientId });
    expect(decode(secret.data!['client-secret.txt'])).toBe((await admin.clients.getClientSecret({ id: client.id! })).value);
  });

  test('the pod-template annotation names the Secret, and was written only after the Secret', async () => {
    const annotation = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name: workload });
      return d.spec?.template?.metadata?.annotations?.['kagenti.io/keycloak-client-credentials-secret-name'];
    }, 30_000, 'the credentials annotation');
    expect(annotation).toBe(secretName);
    const secretCreated = writes.find((w) => w.kind === 'Secret')!;
    const annotationWritten = writes.find((w) => w.kind === 'Deployment' && w.annotated)!;
    expect(secretCreated.resourceVersion).toBeLessThan(annotationWritten.resourceVersion);
  });

  test('the Keycloak client has exactly the spec representation', async () => {
    const admin = await keycloakAdmin();
    const [client] = await admin.clients.find({ clientId });
    expect(client).toMatchObject({
      clientId,
      name: clientId,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: true,
      fullScopeAllowed: false,
      clientAuthenticatorType: 'client-secret',
    });
    expect(client.attributes?.['standard.token.exchange.enabled']).toBe('true');
    expect(client.attributes?.['kagenti.io/managed-by']).toBe('kagenti-waypoint-provisioner');
  });

  test('the audience scope maps the client id and is a default scope of the platform client, not of the realm', async () => {
    const admin = await keycloakAdmin();
    const scope = await admin.clientScopes.findOneByName({ name: audienceScopeName(namespace, workload) });
    expect(scope).toBeDefined();
    const mappers = await admin.clientScopes.listProtocolMappers({ id: scope!.id! });
    expect(mappers).toEqual([
      expect.objectContaining({ protocolMapper: 'oidc-audience-mapper', config: expect.objectContaining({ 'included.custom.audience': clientId, 'access.token.claim': 'true', 'id.token.claim': 'false' }) }),
    ]);
    // Not a realm default (KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT, audience-scope.test.ts).
    expect((await admin.clientScopes.listDefaultClientScopes()).map((s) => s.id)).not.toContain(scope!.id);
    const [platform] = await admin.clients.find({ clientId: 'kagenti' });
    expect((await admin.clients.listDefaultClientScopes({ id: platform.id! })).map((s) => s.id)).toContain(scope!.id);
  });

  test('the registration works: client-credentials token, platform token audience, token exchange', async () => {
    const secret = (await readSecretOrUndefined(namespace, secretName))!;
    const agentSecret = decode(secret.data!['client-secret.txt']);
    const own = await clientCredentialsToken(clientId, agentSecret);
    expect(own.status).toBe(200);
    expect(claims(own.body.access_token).azp).toBe(clientId);

    const admin = await keycloakAdmin();
    const [platform] = await admin.clients.find({ clientId: 'kagenti' });
    const platformSecret = (await admin.clients.getClientSecret({ id: platform.id! })).value!;
    const platformToken = await clientCredentialsToken('kagenti', platformSecret);
    expect(platformToken.status).toBe(200);
    expect([claims(platformToken.body.access_token).aud].flat()).toContain(clientId);

    const exchanged = await exchangeToken(clientId, agentSecret, platformToken.body.access_token);
    expect(exchanged.body.error_description ?? '').toBe('');
    expect(exchanged.status).toBe(200);
    expect(claims(exchanged.body.access_token).azp).toBe(clientId);
  });

  test('status is visible: the workflow query, search attributes, the namespace annotation and Events', async () => {
    const handle = provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace));
    const status = await eventually(async () => {
      const s = await handle.query(getStatusQuery);
      return s.last?.phase === 'Ready' ? s : undefined;
    }, 30_000, 'phase Ready');
    expect(status.last).toMatchObject({ waypointReady: true, agentCount: 1, waiting: [] });
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of provisioner().client.workflow.list({ query: `ProvisionerNamespace = '${namespace}' AND ProvisionerPhase = 'Ready' AND WaypointReady = true AND AgentCount = 1` })) ids.push(w.workflowId);
      return ids.length ? ids : undefined;
    }, 15_000, 'the search attributes');
    expect(listed).toEqual([namespaceWorkflowId(namespace)]);
    const ns = await core.readNamespace({ name: namespace });
    expect(JSON.parse(ns.metadata!.annotations!['kagenti.io/waypoint-provisioning-status'])).toEqual({ phase: 'Ready', waypointReady: true, agents: 1, waiting: [] });
    expect(await eventReasons(namespace)).toEqual(expect.arrayContaining(['AmbientLabelsSet', 'WaypointCreated', 'WaypointReady', 'KeycloakClientCreated', 'CredentialsSecretCreated', 'CredentialsAnnotated']));
    // The workload's registration is one Event, named by its largest change, that lists them all.
    const onWorkload = (await provisionerEvents(namespace)).filter((e) => e.involvedObject.kind === 'Deployment');
    expect(onWorkload.map((e) => [e.reason, e.message])).toEqual([
      ['KeycloakClientCreated', `Keycloak client ${clientId} created; Secret ${credentialsSecretName(namespace, workload)} created; Pod template annotated with credentials Secret ${credentialsSecretName(namespace, workload)}`],
    ]);
    await recordHistoryWhenAsked(handle, 'agent-provisioned');
  });
});

describe('no secret leaks', () => {
  test('no client secret appears in any workflow history of this provisioner or in its logs', async () => {
    const admin = await keycloakAdmin();
    const secrets: string[] = [];
    for (const client of await admin.clients.find({ max: 1000 })) {
      if (client.attributes?.['kagenti.io/managed-by'] !== 'kagenti-waypoint-provisioner') continue;
      const value = (await admin.clients.getClientSecret({ id: client.id! })).value;
      if (value) secrets.push(value);
    }
    expect(secrets.length).toBeGreaterThan(0);

    // Every payload decoded (activity inputs and results, signals, markers, summaries), not the history's JSON.
    const scan = await scanHistories(provisioner().client, `TaskQueue = '${provisioner().settings.taskQueue}'`, secrets);
    expect(scan.histories).toBeGreaterThan(0);
    expect(scan.findings).toEqual([]);
    const logs = provisioner().logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
