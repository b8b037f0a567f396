// `npm start` as a user runs it: the launcher starts every service, restarts one that dies, answers the
// runbook's commands, and on SIGTERM stops everything in order and exits 0 with no process left behind.
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

// Four services plus runners on a shared 2-core machine.
setDefaultTimeout(90_000);

const LAUNCHER = join(REPO, 'apps/launcher/src/main.ts');
const HEALTHCHECK = join(REPO, 'apps/launcher/src/healthcheck.ts');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * Pids of every process of this test's station: its marker and its own temp folder on the command line, so
 * a station another test run starts on the same machine (same marker, other folder) is never counted or
 * killed here.
 */
async function stationPids(marker: string): Promise<number[]> {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,args=']);
  return ps.stdout
    .toString()
    .split('\n')
    .filter((l) => l.includes(`--station ${marker}`) && l.includes(st.dir) && !l.includes('ps -eo'))
    .map((l) => Number.parseInt(l.trim(), 10));
}

let st: TempStation;
let port: number;
beforeEach(() => {
  port = freePort();
  st = tempStation({
    packages: [join(REPO, 'sequences/psu_functional')],
    extraYaml: `server: { port: ${port} }`,
    batchesYaml: `
  - id: slot_a
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true
  - id: slot_b
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
`,
  });
  // Every process of this station carries `--station test-station` (the id tempStation writes).
});
afterEach(async () => {
  for (const pid of await stationPids('test-station')) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await st.cleanup();
});

describe('launcher', () => {
  test('starts every service, restarts one that dies, and SIGTERM stops them all with exit 0', async () => {
    const launcher = st.track(spawnFixture(LAUNCHER, ['--config', st.configPath]));
    const ready = await launcher.waitFor(/^Station .* ready: UI /, 60_000);
    expect(ready).toContain(`UI http://127.0.0.1:${port}/`);
    expect(ready).toContain(`data ${st.dataDir}`);
    // Output of each service is prefixed with its name.
    for (const prefix of ['[broker]', '[supervisor]', '[sync-agent]', '[gateway]']) {
      expect(launcher.lines.some((l) => l.startsWith(prefix))).toBe(true);
    }

    // The runbook: health over HTTP, the auto-started batch running, every process visible in ps.
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/system/health`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toMatchObject({ backend_connected: false });
    await until(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/batches`);
        const batches = (await res.json()) as { id: string; status: string }[];
        return batches.find((b) => b.id === 'slot_a')?.status === 'running';
      },
      'the auto_start batch to run',
      30_000,
      200,
    );
    const pids = await stationPids('test-station');
    expect(pids.length).toBeGreaterThanOrEqual(5); // four services and slot_a's runner

    // Kill the sync agent: the launcher starts a new one, which answers again.
    const syncLine = () =>
      Bun.spawnSync(['ps', '-eo', 'pid=,args='])
        .stdout.toString()
        .split('\n')
        .find((l) => l.includes('apps/sync-agent/src/main.ts') && l.includes(st.configPath));
    const oldSync = Number.parseInt(syncLine()!.trim(), 10);
    process.kill(oldSync, 'SIGKILL');
    await launcher.waitFor(/sync-agent exited .* restarting/, 10_000);
    await until(
      () => {
        const line = syncLine();
        return line !== undefined && Number.parseInt(line.trim(), 10) !== oldSync;
      },
      'a new sync agent',
      20_000,
      100,
    );
    await until(
      () =>
        Bun.spawnSync([process.execPath, HEALTHCHECK, 'sync-agent', '--config', st.configPath]).exitCode ===
        0,
      'the restarted sync agent to answer',
      20_000,
      200,
    );

    // SIGTERM: everything stops in order and the launcher exits 0.
    launcher.proc.kill('SIGTERM');
    expect(await launcher.exited).toBe(0);
    const stopping = launcher.lines
      .filter((l) => l.startsWith('[launcher] stopping '))
      .map((l) => l.slice(20));
    expect(stopping).toEqual(['api-gateway', 'batch-supervisor', 'sync-agent', 'broker']);
    await until(
      async () => (await stationPids('test-station')).every((pid) => !alive(pid)),
      'no process left',
      10_000,
    );
  });

  test('a launcher killed with SIGKILL leaves no service running, each notices and stops; runners run on', async () => {
    const launcher = st.track(spawnFixture(LAUNCHER, ['--config', st.configPath]));
    await launcher.waitFor(/^Station .* ready: UI /, 60_000);
    const all = await stationPids('test-station');
    const runners = all.filter((pid) => commandLine(pid).includes('--batch'));
    const services = all.filter((pid) => !runners.includes(pid));
    expect(services.length).toBeGreaterThanOrEqual(4);
    expect(runners).toHaveLength(1); // slot_a starts automatically
    await launcher.kill('SIGKILL');
    await until(() => services.every((pid) => !alive(pid)), 'every service to exit by itself', 20_000, 100);
    // Runners outlive their supervisor: the next start adopts them (afterEach kills them here).
    expect(runners.every(alive)).toBe(true);
  });

  test('the health check exits 1 for a service that is not running', () => {
    const check = Bun.spawnSync([process.execPath, HEALTHCHECK, 'broker', '--config', st.configPath]);
    expect(check.exitCode).toBe(1);
  });

  test('a broken config stops the launcher at once with exit 2 and the located problem', async () => {
    const bad = join(st.dir, 'bad.yaml');
    await Bun.write(bad, 'station: { id: x }\nbatches:\n  - id: a\n    sequence_packag: psu_functional\n');
    const launcher = st.track(spawnFixture(LAUNCHER, ['--config', bad]));
    expect(await launcher.exited).toBe(2);
    expect(launcher.errLines.join('\n')).toContain('bad.yaml:4:5');
  });

  test('batches naming a missing package or a driver option nobody knows stop the launcher and the supervisor with exit 2, every problem located', async () => {
    const bad = join(st.dir, 'packages.yaml');
    await Bun.write(
      bad,
      [
        'station: { id: packages-check }',
        'paths: { data_dir: ./data, sequences_dir: ./sequences }',
        'batches:',
        '  - { id: a, sequence_package: no_such_package }',
        '  - id: b',
        '    sequence_package: psu_functional',
        '    hardware: { psu: { driver: sim_psu, bogus: 1 } }',
        '',
      ].join('\n'),
    );
    const expected = [
      `packages.yaml:4:32 batches[0].sequence_package: no sequence package "no_such_package" in ${st.sequencesDir} (packages there: psu_functional)`,
      'packages.yaml:7:41 batches[1].hardware.psu.bogus: unknown option of driver sim_psu (known: noise, latency, failure_rate, connect_fail, seed, load_ohms, max_voltage, max_current)',
    ];
    const launcher = st.track(spawnFixture(LAUNCHER, ['--config', bad]));
    expect(await launcher.exited).toBe(2);
    const shown = launcher.errLines.map((l) => l.trim().replace(`${st.dir}/`, ''));
    expect(shown).toEqual([
      'station: configuration error',
      'packages.yaml is not a valid station configuration (2 problems)',
      ...expected,
    ]);
    // Started on its own (docker compose), the supervisor refuses the same file the same way.
    const supervisor = st.track(
      spawnFixture(join(REPO, 'apps/batch-supervisor/src/main.ts'), ['--config', bad]),
    );
    expect(await supervisor.exited).toBe(2);
    expect(supervisor.errLines.map((l) => l.trim().replace(`${st.dir}/`, '')).slice(2)).toEqual(expected);
    // Nothing was started for this station.
    expect(await stationPids('packages-check')).toEqual([]);
  });
});
