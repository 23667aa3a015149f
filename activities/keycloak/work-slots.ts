import { Semaphore } from 'async-mutex';

/** Temporal's priority key of a task that sets none. */
const DEFAULT_PRIORITY_KEY = 3;

/**
 * The places for Keycloak work in one worker. Keycloak's throughput is bounded by its CPU: a burst of
 * unbounded concurrent calls only queues inside it, each call then takes seconds and activities time
 * out and repeat their work. Waiting here instead keeps each call short.
 *
 * Waiting work is served by Temporal priority key (lower first, 3 when unset), and work of a key
 * above the default (maintenance: a takeover, an audit's repairs) never takes the last places: a new
 * agent arriving during a re-registration of hundreds finds one free instead of waiting for a
 * maintenance unit to end.
 */
export class KeycloakWorkSlots {
  private readonly all: Semaphore;
  /** Maintenance takes one of these first, then one of all. */
  private readonly maintenance: Semaphore;
  private maintenanceWaitingCount = 0;

  constructor(readonly concurrency: number) {
    this.all = new Semaphore(concurrency);
    this.maintenance = new Semaphore(Math.max(1, concurrency - KeycloakWorkSlots.reservedFor(concurrency)));
  }

  /** Places kept for new work: a quarter, at least one once there are two. */
  static reservedFor(concurrency: number): number {
    return concurrency < 2 ? 0 : Math.max(1, Math.floor(concurrency / 4));
  }

  /** Runs `work` once a place is free for its priority key. */
  run<T>(work: () => Promise<T>, priorityKey?: number): Promise<T> {
    const key = priorityKey || DEFAULT_PRIORITY_KEY;
    // The semaphore serves higher numbers first; 0 is the wire's "unset".
    const inAll = () => this.all.runExclusive(work, 1, -key);
    if (key <= DEFAULT_PRIORITY_KEY) return inAll();
    this.maintenanceWaitingCount++;
    return this.maintenance.runExclusive(() => {
      this.maintenanceWaitingCount--;
      return inAll();
    }, 1, -key);
  }

  /** Maintenance units that wait for a place: more than one round of them means Keycloak is the limit. */
  get maintenanceWaiting(): number {
    return this.maintenanceWaitingCount;
  }
}
