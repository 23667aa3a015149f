import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { VERSIONS } from '../../tools/stack/versions';
import { psql } from '../../tools/stack/production/postgres';
import { POSTGRES_BIN } from '../../tools/stack/toolchain';
import { killComponent, startStoppedComponent } from '../../tools/stack/stack';
import { keycloakAdmin, temporalClient, testStack } from '../harness/stack';
import { provisionAgent } from '../harness/cluster';
import { provisionedSuite } from '../harness/provisioned-suite';
import { personToken } from '../harness/temporal-access';

// What makes this stack the production shape, checked against the servers themselves rather than
// against our configuration of them.
provisionedSuite();

/** An HTTPS GET that trusts only `ca`: resolves with the status, rejects with the TLS error. */
function getWith(url: string, ca: readonly string[]): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { ca: [...ca] }, (res) => {
      res.resume();
      resolvePromise(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('Temporal is the multi-service server on PostgreSQL with SQL visibility, our search attributes registered, and the UI server beside it', async () => {
  const stack = testStack();
  const { connection } = await temporalClient();
  try {
    const info = await connection.workflowService.getClusterInfo({});
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.serverVersion).toBe(VERSIONS.temporalServer);
    const listed = await connection.operatorService.listSearchAttributes({ namespace: stack.temporal.namespace });
    expect(Object.keys(listed.customAttributes ?? {}).sort()).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map((k) => k.name).sort()));
  } finally {
    await connection.close();
  }
  // The UI server reads the namespace from the frontend, for a person signed in (their token), for nobody else.
  const namespaceUrl = `${stack.temporal.uiUrl}/api/v1/namespaces/${stack.temporal.namespace}`;
  expect((await fetch(namespaceUrl)).status).toBe(401);
  const ui = (await (await fetch(namespaceUrl, { headers: { authorization: `Bearer ${await personToken('viewer')}` } })).json()) as { namespaceInfo?: { name?: string } };
  expect(ui.namespaceInfo?.name).toBe(stack.temporal.namespace);
});

test('Keycloak serves HTTPS only, with a certificate that only the stack CA makes trusted', async () => {
  const { keycloak, ports } = testStack();
  expect(keycloak.url.startsWith('https://')).toBe(true);
  const realm = `${keycloak.url}/realms/${keycloak.realm}`;
  await expect(getWith(realm, [...rootCertificates, readFileSync(keycloak.caFile!, 'utf8')])).resolves.toBe(200);
  await expect(getWith(realm, rootCertificates)).rejects.toThrow(/certificate/i);
  // Its HTTP port is set, and HTTP is off: nothing listens there.
  await expect(fetch(`http://127.0.0.1:${ports['keycloak-http']}/realms/${keycloak.realm}`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow(
    expect.objectContaining({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) }),
  );
});

test('a realm, its clients and the provisioned namespaces live in PostgreSQL: a Keycloak killed and started again keeps them', async () => {
  const stack = testStack();
  const namespace = await provisionAgent('prod-kc');
  const admin = await keycloakAdmin();
  const [client] = await admin.clients.find({ clientId: `${namespace}/agent` });
  expect(client?.id).toBeDefined();
  const rows = await psql(POSTGRES_BIN, stack.ports.postgresql, stack.postgresql!.passwords.postgres, `SELECT client_id FROM client WHERE client_id = '${namespace}/agent';`, 'keycloak');
  expect(rows.trim()).toBe(`${namespace}/agent`);

  const started = Date.now();
  await killComponent(stack.dir, 'keycloak');
  await startStoppedComponent(stack.dir, 'keycloak');
  console.log(`Keycloak (production mode) SIGKILLed and ready again in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const again = await keycloakAdmin();
  const [kept] = await again.clients.find({ clientId: `${namespace}/agent` });
  expect(kept?.id).toBe(client.id);
}, 240_000);
