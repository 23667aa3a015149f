import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/**
 * The Chromium the browser tests drive: $CHROMIUM_PATH, else `chromium` on PATH (Debian's
 * package, which `npm test`'s pretest installs through tools/apt/ensure-packages.sh).
 * playwright-core never downloads a browser of its own here.
 */
export function chromiumExecutable(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'chromium'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not this one
    }
  }
  throw new Error("No Chromium: run 'bash tools/apt/ensure-packages.sh chromium' (npm test's pretest does) or set CHROMIUM_PATH.");
}

/** Headless Chromium; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  // Small /dev/shm in containers makes Chromium's renderer crash; /tmp is used instead.
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: ['--disable-dev-shm-usage'] });
}
