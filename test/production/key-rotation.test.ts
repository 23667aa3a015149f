import { provisionAgent } from '../harness/cluster';
import { eventually } from '../harness/eventually';
import { provisionedSuite } from '../harness/provisioned-suite';
import { keycloakAdmin, testStack } from '../harness/stack';

// The provisioner (an in-process worker and watcher) holds the deployed worker's client, whose
// tokens live Keycloak's default five minutes. The Temporal realm's signing key is replaced at
// once, the old one withdrawn: Temporal refuses the old key's tokens from its next read of the
// realm's keys (every 15 s on the stack), minutes before the worker would renew its token.
const provisioner = provisionedSuite();
const KEY_PROVIDER = 'org.keycloak.keys.KeyProvider';

test('the worker keeps working across a key rotation that withdraws the signing key at once', async () => {
  await provisionAgent('rot');

  const { access } = testStack().temporal;
  const admin = await keycloakAdmin(access!.realm);
  const realm = (await admin.realms.findOne({ realm: access!.realm }))!;
  const signing = (await admin.components.find({ type: KEY_PROVIDER })).filter((c) => c.providerId === 'rsa-generated');
  const priority = Math.max(...signing.map((c) => Number(c.config?.priority?.[0] ?? 0))) + 10;
  await admin.components.create({
    name: `rsa-rotated-${Date.now()}`,
    providerId: 'rsa-generated',
    providerType: KEY_PROVIDER,
    parentId: realm.id,
    config: { priority: [String(priority)], enabled: ['true'], active: ['true'], algorithm: ['RS256'], keySize: ['2048'] },
  });
  for (const old of signing) await admin.components.del({ id: old.id! });

  // The worker saw its token's key withdrawn and took a token of the new key.
  await eventually(async () => (provisioner().logs.join('').includes('no longer publishes the key of the current Temporal token') ? true : undefined), 30_000, 'the worker to renew its token');
  // Past the server's next read of the keys, new work is done.
  await new Promise((resolve) => setTimeout(resolve, 16_000));
  await provisionAgent('rot');
}, 120_000);
