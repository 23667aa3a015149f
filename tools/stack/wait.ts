const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true, `alive` turns false, or `timeoutMs` passes. */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; alive?: () => boolean },
): Promise<'ready' | 'timeout' | 'exited'> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.alive && !options.alive()) return 'exited';
    try {
      if (await check()) return 'ready';
    } catch {
      // not answering yet
    }
    await sleep(options.intervalMs ?? 200);
  }
  return 'timeout';
}

/** GET a URL and report whether it answered with the expected status (self-signed TLS accepted via `fetchImpl`). */
export async function answers(url: string, init: RequestInit = {}, status = 200): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status === status;
}
