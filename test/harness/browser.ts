import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
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

/**
 * Headless Chromium; the caller closes it. `trusting`: serving certificates (PEM files) of the
 * stack's own CA that Chromium takes as valid for exactly their keys (it reads no CA from the
 * environment); every other certificate is checked as usual.
 */
export function launchChromium(trusting: string[] = []): Promise<Browser> {
  const pins = trusting.map((file) => createHash('sha256').update(new X509Certificate(readFileSync(file)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
  // Small /dev/shm in containers makes Chromium's renderer crash; /tmp is used instead.
  const args = ['--disable-dev-shm-usage', ...(pins.length > 0 ? [`--ignore-certificate-errors-spki-list=${pins.join(',')}`] : [])];
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args });
}
