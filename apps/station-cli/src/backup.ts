// `station backup <file>`: a consistent copy of the station's store while the station runs. SQLite's
// `VACUUM INTO` reads one snapshot in a read transaction (WAL lets writers go on meanwhile) and writes a
// compact copy; the copy is checked before it takes its name, so a file there is a good backup.
import { Database } from 'bun:sqlite';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, storePath } from '@station/config';
import { DEFAULT_BUSY_TIMEOUT_MS } from '@station/db';
import type { Command } from './command.ts';

/** Why a backup was not made. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** What a backup holds, checked on the copy itself. */
export interface BackupSummary {
  file: string;
  bytes: number;
  executions: number;
}

/**
 * Copies the store at `source` to `target` (which must not exist). Safe while other processes write:
 * the copy is one snapshot, and they only ever wait the busy timeout for it.
 */
export function backupStore(source: string, target: string): BackupSummary {
  if (!existsSync(source)) throw new BackupError(`no store at ${source}`);
  if (existsSync(target)) throw new BackupError(`${target} already exists; a backup never overwrites a file`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true });
  try {
    db.run(`PRAGMA busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    db.run('VACUUM INTO ?', [partial]);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new BackupError(`cannot copy ${source}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    db.close();
  }
  const copy = new Database(partial, { readonly: true });
  let executions = 0;
  try {
    const check = copy.query('PRAGMA integrity_check').get() as { integrity_check?: string } | null;
    if (check?.integrity_check !== 'ok')
      throw new BackupError(`the copy failed its integrity check: ${JSON.stringify(check)}`);
    executions = (copy.query('SELECT COUNT(*) AS n FROM executions').get() as { n: number } | null)?.n ?? 0;
  } catch (err) {
    copy.close();
    rmSync(partial, { force: true });
    throw err instanceof BackupError ? err : new BackupError(`the copy cannot be read back: ${String(err)}`);
  }
  copy.close();
  renameSync(partial, target);
  return { file: target, bytes: statSync(target).size, executions };
}

export const backup: Command = {
  spec: {
    command: 'station backup',
    summary:
      'Copies the station’s SQLite store while it runs (VACUUM INTO: one consistent snapshot, checked).\nRestore: docs/operations.md, "Backup and restore".',
    positionals: [{ name: 'file', description: 'the backup to write (must not exist)' }],
    options: [
      {
        name: 'store',
        value: 'FILE',
        description: 'the store to copy (default: station.db of the config’s data_dir)',
      },
    ],
  },
  async run(cli, io) {
    let source = cli.values.store;
    if (source === undefined) {
      try {
        source = storePath(
          loadConfig({ argv: cli.values.config ? ['--config', cli.values.config] : [] }).config,
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.err(`station backup: ${err.message}\n`);
        return 2;
      }
    }
    try {
      const made = backupStore(resolve(source), resolve(cli.positionals[0] ?? ''));
      io.out(`backed up ${source} -> ${made.file} (${made.bytes} bytes, ${made.executions} executions)\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof BackupError)) throw err;
      io.err(`station backup: ${err.message}\n`);
      return 1;
    }
  },
};
