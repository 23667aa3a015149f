import { CoordinationV1Api, KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewIntervalSeconds: number;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Stops campaigning; a leader releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
}

const status = (error: unknown) => (error as { code?: number }).code;

/**
 * A Lease's times are MicroTime: the apiserver wants six fractional digits, and the client would
 * send a Date with three. A string passes through its serializer untouched, hence the cast.
 */
export function microTime(value: Date | string): Date {
  return new Date(value).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

/** The Lease as `options.identity` holds it from `now`: acquired anew, or renewed keeping its acquire time. */
function claimLease(lease: V1Lease | undefined, now: Date, options: LeaderElectionOptions): V1Lease {
  const { namespace, name, identity } = options;
  const ours = lease?.spec?.holderIdentity === identity;
  return {
    metadata: { name, namespace, resourceVersion: lease?.metadata?.resourceVersion },
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: options.leaseDurationSeconds,
      acquireTime: microTime(ours && lease?.spec?.acquireTime ? lease.spec.acquireTime : now),
      renewTime: microTime(now),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1),
    },
  };
}

/**
 * Leader election through a coordination.k8s.io Lease, as client-go's leaderelection does: the
 * holder renews the Lease every `renewIntervalSeconds`; another replica takes it over once it has
 * not been renewed for `leaseDurationSeconds`. Every write carries the resourceVersion read, so two
 * replicas can never both win. A leader that cannot renew within the lease duration steps down.
 */
export function startLeaderElection(
  kc: KubeConfig,
  options: LeaderElectionOptions,
  callbacks: { onStartedLeading(): void; onStoppedLeading(): void },
  log: Logger,
): LeaderElection {
  const api = kc.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity } = options;
  let leading = false;
  let lastRenewed = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const setLeading = (value: boolean) => {
    if (value === leading) return;
    leading = value;
    log.info({ lease: `${namespace}/${name}`, identity }, value ? 'Became leader' : 'Stopped leading');
    if (value) callbacks.onStartedLeading();
    else callbacks.onStoppedLeading();
  };

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (status(error) !== 404) throw error;
      await api.createNamespacedLease({ namespace, body: claimLease(undefined, now, options) });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = renewed + (lease.spec?.leaseDurationSeconds ?? options.leaseDurationSeconds) * 1000 < now.getTime();
    if (holder && holder !== identity && !expired) return false;
    await api.replaceNamespacedLease({ name, namespace, body: claimLease(lease, now, options) });
    return true;
  }

  async function round(): Promise<void> {
    try {
      const won = await tryAcquireOrRenew();
      if (stopped) return;
      if (won) lastRenewed = Date.now();
      setLeading(won);
    } catch (error) {
      if (stopped) return;
      // A conflict means another replica wrote first; anything else is a failed renewal.
      if (status(error) !== 409) log.warn({ err: String(error) }, 'Could not renew or acquire the leader Lease');
      if (leading && Date.now() - lastRenewed > options.leaseDurationSeconds * 1000) setLeading(false);
      if (status(error) === 409 && !leading) setLeading(false);
    }
    if (!stopped) timer = setTimeout(() => void round(), options.renewIntervalSeconds * 1000);
  }
  void round();

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (!leading) return;
      setLeading(false);
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity === identity) {
          const { leaseDurationSeconds, leaseTransitions } = lease.spec;
          await api.replaceNamespacedLease({ name, namespace, body: { metadata: lease.metadata, spec: { leaseDurationSeconds, leaseTransitions } } });
        }
      } catch (error) {
        log.warn({ err: String(error) }, 'Could not release the leader Lease; another replica takes over when it expires');
      }
    },
  };
}
