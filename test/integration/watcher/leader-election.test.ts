import pino from 'pino';
import { LeaderElection, microTime, startLeaderElection } from '../../../watcher/leader-election';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { createNamespace } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { adminKubeConfig, uniqueName } from '../../harness/stack';

const log = pino({ level: 'silent' });
const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);

describe('leader election through a Lease', () => {
  const namespace = uniqueName('lease');
  const lease = uniqueName('watcher');
  const electors: LeaderElection[] = [];
  const leading = new Map<string, boolean>();

  function elect(identity: string): LeaderElection {
    const election = startLeaderElection(
      adminKubeConfig(),
      { namespace, name: lease, identity, leaseDurationSeconds: 3, renewIntervalSeconds: 0.5 },
      { onStartedLeading: () => leading.set(identity, true), onStoppedLeading: () => leading.set(identity, false) },
      log,
    );
    electors.push(election);
    return election;
  }
  const leaders = () => [...leading.entries()].filter(([, on]) => on).map(([id]) => id);

  beforeAll(() => createNamespace(namespace));
  afterAll(async () => {
    for (const e of electors) await e.stop();
  });

  test('exactly one of two replicas leads; on release the other takes over at once', async () => {
    const a = elect('replica-a');
    const b = elect('replica-b');
    const first = await eventually(async () => (leaders().length === 1 ? leaders()[0] : undefined), 10_000, 'one leader');
    await new Promise((r) => setTimeout(r, 2000));
    expect(leaders()).toEqual([first]);

    const [leader, standby] = first === 'replica-a' ? [a, 'replica-b'] : [b, 'replica-a'];
    const released = Date.now();
    await leader.stop();
    await eventually(async () => (leaders().join() === standby ? true : undefined), 5_000, 'the standby to take over');
    expect(Date.now() - released).toBeLessThan(3_000);
  });

  test('a Lease held by a replica that stopped renewing (a crash) is taken over once it expires', async () => {
    const crashedLease = uniqueName('crashed');
    await coordination.createNamespacedLease({
      namespace,
      body: { metadata: { name: crashedLease }, spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: 3, renewTime: microTime(new Date()), acquireTime: microTime(new Date()) } },
    });
    const started = Date.now();
    let ledAt = 0;
    electors.push(
      startLeaderElection(
        adminKubeConfig(),
        { namespace, name: crashedLease, identity: 'replica-c', leaseDurationSeconds: 3, renewIntervalSeconds: 0.5 },
        { onStartedLeading: () => (ledAt = Date.now()), onStoppedLeading: () => undefined },
        log,
      ),
    );
    await eventually(async () => (ledAt ? true : undefined), 10_000, 'the takeover');
    expect(ledAt - started).toBeGreaterThanOrEqual(2_500);
    const taken = await coordination.readNamespacedLease({ namespace, name: crashedLease });
    expect(taken.spec).toMatchObject({ holderIdentity: 'replica-c', leaseTransitions: 1 });
  });
});
