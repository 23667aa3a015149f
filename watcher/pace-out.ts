/**
 * Calls `notify` for each item, at most `perSecond` a second (the first at once), and only while
 * `room()` says there is room for it; while it says not, asks again a second later. Returns a
 * function that cancels the calls not made yet.
 */
export function paceOut<T>(items: readonly T[], perSecond: number, room: () => Promise<boolean>, notify: (item: T) => void): () => void {
  const stepMs = 1000 / perSecond;
  let next = 0;
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const go = await room();
    if (cancelled) return;
    if (go) notify(items[next++]);
    if (next < items.length) timer = setTimeout(() => void tick(), go ? stepMs : 1000).unref();
  };
  if (items.length > 0) void tick();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
