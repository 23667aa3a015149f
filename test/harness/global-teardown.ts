import { rmSync } from 'node:fs';
import { down } from '../../tools/stack/stack';

/** Stops the stack that global-setup started (never one that was handed in) and removes its folder. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.KWP_STACK_DIR;
  if (!dir || process.env.KWP_TEST_STACK_OWNED !== '1') return;
  await down(dir);
  if (!process.env.KWP_KEEP_STACK_DIR) rmSync(dir, { recursive: true, force: true });
}
