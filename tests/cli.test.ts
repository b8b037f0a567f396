// Every process of the station as a real process: `--help` prints its usage and exits 0 without starting
// anything, and an unknown flag exits 2 with the usage, instead of running with the flag ignored.
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { REPO } from './support/station.ts';

/** Each entry point and the first line its usage starts with. */
const MAINS = [
  ['scripts/station-launcher.ts', 'usage: npm start -- [options]'],
  ['apps/launcher/src/main.ts', 'usage: npm start -- [options]'],
  ['apps/broker/src/main.ts', 'usage: bun apps/broker/src/main.ts [options]'],
  ['apps/batch-supervisor/src/main.ts', 'usage: bun apps/batch-supervisor/src/main.ts [options]'],
  ['apps/batch-runner/src/main.ts', 'usage: bun apps/batch-runner/src/main.ts [options]'],
  ['apps/sync-agent/src/main.ts', 'usage: bun apps/sync-agent/src/main.ts [options]'],
  ['apps/api-gateway/src/main.ts', 'usage: bun apps/api-gateway/src/main.ts [options]'],
  [
    'apps/launcher/src/healthcheck.ts',
    'usage: bun apps/launcher/src/healthcheck.ts <broker|batch-supervisor|sync-agent|api-gateway> [options]',
  ],
] as const;

/** Runs `bun <file> ...args` to its end (killed after 20 s: a main that starts a station instead fails). */
async function run(file: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, join(REPO, file), ...args], {
    cwd: REPO,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    // No config anywhere: --help must not need one.
    env: { ...process.env, STATION_CONFIG: '' },
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  try {
    const [out, err] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    await proc.exited;
    return { code: proc.signalCode ? null : proc.exitCode, out, err };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

describe.each(MAINS)('%s', (file, firstLine) => {
  test('--help prints the usage on stdout and exits 0, starting nothing', async () => {
    const { code, out, err } = await run(file, ['--help']);
    expect({ code, err, first: out.split('\n')[0] }).toEqual({ code: 0, err: '', first: firstLine });
    expect(out).toContain('  --config PATH\n');
    expect(out).toContain('  --help\n');
    expect(out).not.toContain('[launcher]');
  });

  test('an unknown flag exits 2 with what is wrong and the usage on stderr', async () => {
    const { code, out, err } = await run(file, ['--confg', 'station.yaml']);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err.split('\n').slice(0, 3)).toEqual(['unknown option --confg', '', firstLine]);
  });
});

test('the runner without its batch exits 2 saying so', async () => {
  const { code, err } = await run('apps/batch-runner/src/main.ts', ['--config', 'x.yaml']);
  expect({ code, first: err.split('\n')[0] }).toEqual({ code: 2, first: '--batch ID is required' });
});
