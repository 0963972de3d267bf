import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Playwright runs its workers as separate processes, and the js and no-js projects share the
// end-to-end accounts: what they must not do at once, or must remember together, goes through
// files in the system's temporary directory.

function fileFor(kind: string, name: string): string {
  return join(tmpdir(), `prakerja-e2e-${kind}-${name.replace(/[^a-z0-9]/gi, '_')}`);
}

/** Runs `work` while no other Playwright worker on this machine runs one for `name`. */
export async function exclusively<T>(name: string, work: () => Promise<T>): Promise<T> {
  const lock = fileFor('lock', name);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Left by a run that was killed: the work takes seconds, at most a minute and a half.
      const made = statSync(lock, { throwIfNoEntry: false });
      if (made && Date.now() - made.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A number every worker on this machine sees (0 until set): read and set it inside
 *  `exclusively` when two workers could race. */
export function sharedNumber(name: string): number {
  try {
    return Number(readFileSync(fileFor('number', name), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

export function setSharedNumber(name: string, value: number) {
  writeFileSync(fileFor('number', name), String(value));
}
