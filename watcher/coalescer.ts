/**
 * Collapses bursts of events into few notifications per key: a key is flushed `delayMs` after its
 * first event, at most one flush per key runs at a time, and events during a flush cause exactly
 * one more. 500 pods created in one namespace cause a handful of flushes, not 500.
 */
export class Coalescer {
  private readonly scheduled = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly flush: (key: string) => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (key: string, error: unknown) => void,
    private readonly retryDelayMs = 1000,
  ) {}

  notify(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setTimeout(() => {
      const run = this.run(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }, this.delayMs).unref();
  }

  private async run(key: string): Promise<void> {
    this.scheduled.delete(key);
    if (this.stopped) return;
    this.running.add(key);
    let failed = false;
    try {
      await this.flush(key);
    } catch (error) {
      failed = true;
      this.onError(key, error);
    } finally {
      this.running.delete(key);
    }
    if (this.again.delete(key)) this.notify(key);
    else if (failed && !this.stopped) setTimeout(() => this.notify(key), this.retryDelayMs).unref();
  }

  /** Keys waiting or being flushed right now. */
  get backlog(): number {
    return this.scheduled.size + this.running.size;
  }

  /** Takes no more events and resolves once the flushes under way have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
