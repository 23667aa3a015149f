import { Coalescer } from '../../../watcher/coalescer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Coalescer', () => {
  test('a burst of 500 events for one namespace causes one flush', async () => {
    const flushed: string[] = [];
    const coalescer = new Coalescer(async (key) => void flushed.push(key), 20, () => undefined);
    for (let i = 0; i < 500; i++) coalescer.notify('team1');
    coalescer.notify('team2');
    await sleep(60);
    expect(flushed.sort()).toEqual(['team1', 'team2']);
  });

  test('events during a flush cause exactly one more flush', async () => {
    let flushes = 0;
    let release!: () => void;
    const coalescer = new Coalescer(
      async () => {
        flushes++;
        if (flushes === 1) await new Promise<void>((r) => (release = r));
      },
      5,
      () => undefined,
    );
    coalescer.notify('team1');
    await sleep(20);
    for (let i = 0; i < 50; i++) coalescer.notify('team1');
    release();
    await sleep(40);
    expect(flushes).toBe(2);
    expect(coalescer.backlog).toBe(0);
  });

  test('a failed flush is reported and retried', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const coalescer = new Coalescer(
      async () => {
        calls++;
        if (calls === 1) throw new Error('temporal unavailable');
      },
      5,
      (_key, error) => errors.push(error),
      10,
    );
    coalescer.notify('team1');
    await sleep(60);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
  });
});

describe('Coalescer.stop', () => {
  test('waits for the flush under way and runs none after', async () => {
    const flushed: string[] = [];
    let release!: () => void;
    const coalescer = new Coalescer(
      async (key) => {
        if (key === 'slow') await new Promise<void>((r) => (release = r));
        flushed.push(key);
      },
      5,
      () => undefined,
    );
    coalescer.notify('slow');
    await sleep(20);
    coalescer.notify('late');
    let stopped = false;
    const stopping = coalescer.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await sleep(20);
    expect(flushed).toEqual(['slow']);
  });
});
