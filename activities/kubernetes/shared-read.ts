/**
 * One read shared by every caller within `ttlMs` of its start: the read in flight, or its value.
 * A failed read, or a value `keep` refuses, is not remembered: the next caller reads anew.
 */
export function sharedRead<T>(read: () => Promise<T>, ttlMs: number, keep: (value: T) => boolean = () => true): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return async () => {
    if (!last || Date.now() - last.at >= ttlMs) last = { at: Date.now(), value: read() };
    const look = last;
    const forget = () => {
      if (last === look) last = undefined;
    };
    const value = await look.value.catch((error: unknown) => {
      forget();
      throw error;
    });
    if (!keep(value)) forget();
    return value;
  };
}
