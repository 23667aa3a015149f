import { keycloakDrift } from '../../../activities/audit/keycloak-drift';
import { desiredMapper } from '../../../activities/keycloak/client-scopes';
import { desiredClient } from '../../../activities/keycloak/desired';
import { audienceScopeName } from '../../../model/names';
import type { RealmInventory } from '../../../activities/keycloak/realm-inventory';
import type { CredentialsSecret } from '../../../activities/kubernetes/secrets';
import { keycloakSettings } from '../../fixtures/keycloak-settings';

const settings = keycloakSettings;

const secret = (namespace: string): CredentialsSecret => ({ namespace, name: `creds-${namespace}`, workload: 'agent', clientId: `${namespace}/agent`, clientSecret: `s3cret-${namespace}` });

const marks = (namespace: string, workload: string) => ({ 'kagenti.io/managed-by': 'kagenti-waypoint-provisioner', 'kagenti.io/namespace': namespace, 'kagenti.io/workload': workload });

/** A realm exactly as registration leaves it for `namespaces`, with `change` applied. */
function realm(namespaces: string[], change: (r: RealmInventory) => void = () => {}): RealmInventory {
  const inventory: RealmInventory = { clients: new Map(), scopes: new Map(), platformDefaults: new Map([['kagenti', new Set<string>()]]) };
  for (const namespace of namespaces) {
    const clientId = `${namespace}/agent`;
    inventory.clients.set(clientId, { ...desiredClient(namespace, 'agent', clientId, settings), id: `id-${namespace}`, secret: `s3cret-${namespace}` });
    const name = audienceScopeName(namespace, 'agent');
    inventory.scopes.set(name, { id: `scope-${namespace}`, name, attributes: marks(namespace, 'agent'), protocolMappers: [desiredMapper(clientId)] });
    inventory.platformDefaults.get('kagenti')!.add(`scope-${namespace}`);
  }
  change(inventory);
  return inventory;
}

const drift = (inventory: RealmInventory, secrets = [secret('a'), secret('b')]) => keycloakDrift(secrets, () => settings, inventory);

test('a realm that matches the Secrets wakes no namespace', () => {
  expect(drift(realm(['a', 'b'])).size).toBe(0);
});

test('each kind of drift wakes only its namespace, with a reason that names no secret', () => {
  const cases: [string, (r: RealmInventory) => void][] = [
    ['client b/agent is missing', (r) => r.clients.delete('b/agent')],
    ['differs in fullScopeAllowed', (r) => (r.clients.get('b/agent')!.fullScopeAllowed = true)],
    ['the secret of client b/agent differs from Secret creds-b', (r) => (r.clients.get('b/agent')!.secret = 'rotated')],
    ['audience scope agent-b/agent-aud is missing', (r) => r.scopes.delete('agent-b/agent-aud')],
    ['audience scope agent-b/agent-aud is marked for another namespace or workload', (r) => (r.scopes.get('agent-b/agent-aud')!.attributes = marks('b-agent', 'x'))],
    ['audience mapper of scope agent-b/agent-aud differs', (r) => (r.scopes.get('agent-b/agent-aud')!.protocolMappers = [desiredMapper('someone/else')])],
    ['not a default scope of kagenti', (r) => r.platformDefaults.get('kagenti')!.delete('scope-b')],
  ];
  for (const [reason, change] of cases) {
    const found = drift(realm(['a', 'b'], change));
    expect([...found.keys()]).toEqual(['b']);
    expect(found.get('b')!.join('; ')).toContain(reason);
    expect(found.get('b')!.join('; ')).not.toMatch(/s3cret|rotated/);
  }
});

test('a managed client without a Secret (its workload or namespace gone) wakes its namespace', () => {
  const found = drift(realm(['a', 'b', 'gone']));
  expect([...found.keys()]).toEqual(['gone']);
  expect(found.get('gone')).toEqual(['client gone/agent has no credentials Secret']);
});

test('a missing platform client is not drift, and switched-off scopes are not looked at', () => {
  expect(drift(realm(['a', 'b'], (r) => r.platformDefaults.clear())).size).toBe(0);
  const noScopes = keycloakDrift([secret('a')], () => ({ ...settings, audienceScopeEnabled: false }), realm(['a'], (r) => r.scopes.clear()));
  expect(noScopes.size).toBe(0);
});
