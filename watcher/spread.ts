/**
 * Calls `notify` for each item, spread evenly over `windowMs` (the first at once) instead of all
 * at once. Returns a function that cancels the calls not made yet.
 */
export function spreadOver<T>(items: readonly T[], windowMs: number, notify: (item: T) => void): () => void {
  const step = items.length > 0 ? windowMs / items.length : 0;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    notify(items[next++]);
    if (next < items.length) timer = setTimeout(tick, step).unref();
  };
  if (items.length > 0) tick();
  return () => clearTimeout(timer);
}
