import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from '../../src/db/providers.ts';

/** The conventional `nobody` user and group. */
const nobody = 65534;

/**
 * Spawn options that run a process as an ordinary user. File permissions do not bind root, so tests about
 * unwritable files run the server as `nobody` when the suite runs as root (CI here); as any other user the
 * permissions already apply and the process runs as that user.
 */
export function asOrdinaryUser(): { uid?: number; gid?: number; env: Record<string, string> } {
  if (process.getuid?.() !== 0) return { env: {} };
  const probe = spawnSync(process.execPath, ['-e', ''], { uid: nobody, gid: nobody, cwd: repoRoot });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `user nobody cannot run ${process.execPath} in ${repoRoot} (${probe.error?.message ?? probe.status}): make their folders world-readable`,
    );
  }
  return { uid: nobody, gid: nobody, env: { HOME: tmpdir() } };
}

/** Lets the ordinary user of asOrdinaryUser() create files in a folder (mkdtemp makes it 0700). */
export function openToOrdinaryUser(folder: string): void {
  chmodSync(folder, 0o777);
}
