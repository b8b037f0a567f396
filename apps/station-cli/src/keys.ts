// `station keys generate [--out DIR|PATH]`: a CURVE key pair for the bus (docs/operations.md "Batch hosts
// and keys"), as two files in libzmq's key file text: `<name>.key` (the public key, to copy to the peers
// that must trust this machine) and `<name>.key_secret` (both keys, readable by its owner only).
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { curveKeyPair, formatKeyFile } from '@station/zmtp';
import type { Command } from './command.ts';

/** The two files a key pair is written to, from `--out`: a folder (then `<hostname>.key`) or a base path. */
export function keyPaths(out: string | undefined, cwd: string): { publicFile: string; secretFile: string } {
  const target = resolve(cwd, out ?? '.');
  const isDir =
    out === undefined || out.endsWith('/') || (existsSync(target) && statSync(target).isDirectory());
  const base = isDir ? join(target, safeName(hostname())) : target.replace(/\.key(_secret)?$/, '');
  return { publicFile: `${base}.key`, secretFile: `${base}.key_secret` };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'station';
}

export const keys: Command = {
  spec: {
    command: 'station keys',
    summary:
      'Writes a CURVE key pair for the bus: <name>.key (public, give it to the peers) and\n<name>.key_secret (mode 0600, stays on this machine). See docs/operations.md.',
    positionals: [{ name: 'action', description: 'what to do', choices: ['generate'] }],
    options: [
      {
        name: 'out',
        value: 'DIR|PATH',
        description: 'a folder (files named after this host) or a path without extension (default: .)',
      },
      { name: 'force', description: 'overwrite existing key files (the old keys stop working)' },
    ],
    config: false,
  },
  async run(cli, io) {
    const { publicFile, secretFile } = keyPaths(cli.values.out, process.cwd());
    const existing = [publicFile, secretFile].filter((file) => existsSync(file));
    if (existing.length > 0 && cli.values.force !== 'true') {
      io.err(
        `station keys: ${existing.join(' and ')} already exist; keys are never overwritten without --force\n`,
      );
      return 1;
    }
    mkdirSync(dirname(secretFile), { recursive: true });
    const pair = curveKeyPair();
    // The secret file is created 0600 (and chmod-ed, since an existing file keeps its mode on overwrite).
    writeFileSync(secretFile, formatKeyFile(pair), { mode: 0o600 });
    chmodSync(secretFile, 0o600);
    writeFileSync(publicFile, formatKeyFile({ publicKey: pair.publicKey }), { mode: 0o644 });
    io.out(
      [
        `public key  ${pair.publicKey}`,
        `wrote       ${publicFile} (public: copy it to the peers that must trust ${basename(publicFile, '.key')})`,
        `wrote       ${secretFile} (secret, mode 0600: keep it on this machine)`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
