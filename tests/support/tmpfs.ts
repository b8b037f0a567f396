// Test support: a small tmpfs to fill up, for the tests of what a full disk does. Mounting needs root
// (CI runs as root); where it is impossible the test fails with the reason, it never passes silently.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  /** The mount point. */
  dir: string;
  /** Free bytes as the station sees them (bavail). */
  freeBytes(): number;
  /** Writes a filler file until at most `leaveBytes` remain free; returns its path. */
  fill(leaveBytes: number, name?: string): string;
  /** Unmounts (lazily, so a process still holding a file cannot keep it) and removes the folder. */
  cleanup(): void;
}

/**
 * Mounts a fresh tmpfs of `sizeMb` megabytes (on `at`, created if needed, or a new temp folder); throws
 * with the reason when that is not possible.
 */
export function mountTmpfs(sizeMb: number, at?: string): Tmpfs {
  const dir = at ?? mkdtempSync(join(tmpdir(), 'st-tmpfs-'));
  mkdirSync(dir, { recursive: true });
  const r = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot mount a ${sizeMb} MB tmpfs for the disk-full test (needs root, as CI has): ${r.stderr.toString().trim() || `mount exited ${r.exitCode}`}`,
    );
  }
  const freeBytes = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  let fillers = 0;
  return {
    dir,
    freeBytes,
    fill(leaveBytes, name) {
      const path = join(dir, name ?? `filler-${++fillers}`);
      const chunk = Buffer.alloc(64 * 1024, 0x66);
      const fd = openSync(path, 'a');
      try {
        while (freeBytes() > leaveBytes) {
          const want = Math.min(chunk.length, freeBytes() - leaveBytes);
          try {
            writeSync(fd, chunk, 0, Math.max(1, want));
          } catch {
            break;
          }
        }
      } finally {
        closeSync(fd);
      }
      return path;
    },
    cleanup() {
      Bun.spawnSync(['umount', '-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `bytes` of filler into `path` (for tests that free and refill). */
export function writeFiller(path: string, bytes: number): void {
  writeFileSync(path, Buffer.alloc(bytes, 0x66));
}
