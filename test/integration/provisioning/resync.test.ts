import { credentialsSecretName } from '../../../activities/kubernetes/desired';
import { createAgentDeployment, createNamespace, decode, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { keycloakAdmin, uniqueName } from '../../harness/stack';

// The watcher's periodic resync is what repairs drift no watch can see: Keycloak is not watched.
// Istio cannot run here: a stand-in marks waypoints Programmed (tools/local/istio-stand-in.ts).
const RESYNC_SECONDS = 5;
provisionedSuite({ settings: { resyncIntervalSeconds: RESYNC_SECONDS } });

test('a Keycloak client deleted behind the provisioner is recreated by the periodic resync, and its Secret follows', async () => {
  const namespace = uniqueName('resync');
  const clientId = `${namespace}/agent`;
  const secretName = credentialsSecretName(namespace, 'agent');
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'agent');
  await eventually(() => readSecretOrUndefined(namespace, secretName), 30_000, 'the credentials Secret');

  const admin = await keycloakAdmin();
  const [before] = await admin.clients.find({ clientId });
  await admin.clients.del({ id: before.id! });

  // Nothing in the cluster changed, so only a resync brings a pass: within one interval, plus the pass.
  const after = await eventually(async () => (await admin.clients.find({ clientId })).find((c) => c.id !== before.id), (RESYNC_SECONDS + 20) * 1000, 'the client to be recreated');
  const newSecret = (await admin.clients.getClientSecret({ id: after.id! })).value!;
  await eventually(async () => {
    const secret = await readSecretOrUndefined(namespace, secretName);
    return decode(secret?.data?.['client-secret.txt']) === newSecret ? true : undefined;
  }, 15_000, 'the Secret to carry the new client secret');
});
