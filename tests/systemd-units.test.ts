// The systemd units of deploy/systemd: systemd's own verifier accepts them, every unit they name is
// shipped, each service runs an entry that exists, and the stop order is SPEC §6's (the launcher's).
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STOP_ORDER } from '../apps/launcher/src/launcher.ts';
import { REPO } from './support/station.ts';

const UNITS_DIR = join(REPO, 'deploy/systemd');
/** Where the units expect the checkout; the test points them at this one so ExecStart is checked for real. */
const INSTALL_DIR = '/opt/station';
/** The service unit of each app, as the launcher names the apps. */
const UNIT_OF: Record<string, string> = {
  broker: 'station-broker.service',
  'sync-agent': 'station-sync-agent.service',
  'batch-supervisor': 'station-supervisor.service',
  'api-gateway': 'station-gateway.service',
};

const units = readdirSync(UNITS_DIR).filter((f) => f.endsWith('.service'));
const text = (unit: string) => readFileSync(join(UNITS_DIR, unit), 'utf8');

/** Every value of `key=` in a unit, split on spaces (Wants=, After=, ...). */
function values(unit: string, key: string): string[] {
  return text(unit)
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .flatMap((l) => l.slice(key.length + 1).split(/\s+/))
    .filter(Boolean);
}

/** systemd-analyze verify on copies of `files` (name -> content); returns exit code and everything printed. */
function verify(files: Record<string, string>): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'st-units-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = Bun.spawnSync(['systemd-analyze', 'verify', '--man=no', ...Object.keys(files)], { cwd: dir });
    return { code: r.exitCode, out: (r.stdout.toString() + r.stderr.toString()).trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const installed = (unit: string) => text(unit).replaceAll(INSTALL_DIR, REPO);

const hasAnalyze = Bun.which('systemd-analyze') !== null;

describe('deploy/systemd', () => {
  test("the runbook name station-service, one unit per service and the runners' stop are shipped", () => {
    expect(units.sort()).toEqual(
      ['station-service.service', 'station-runners.service', ...Object.values(UNIT_OF)].sort(),
    );
  });

  test('systemd-analyze verify accepts every unit, with ExecStart pointing at a real checkout', () => {
    // .ci/run installs it (Debian package systemd); without it this test must fail, not pass silently.
    expect(hasAnalyze).toBe(true);
    const result = verify(Object.fromEntries(units.map((u) => [u, installed(u)])));
    expect(result).toEqual({ code: 0, out: '' });
  });

  test('the verifier is strict enough to catch a mistake (a unit with a typo is reported)', () => {
    const broken = installed('station-broker.service').replace('Type=simple', 'Type=simpel');
    const result = verify({ 'station-broker.service': broken });
    expect(result.out).toContain('Failed to parse service type, ignoring: simpel');
  });

  test('every unit a unit names is shipped, and every service is part of station-service', () => {
    const named = units.flatMap((u) => [
      ...values(u, 'Wants'),
      ...values(u, 'After'),
      ...values(u, 'PartOf'),
    ]);
    const ours = [...new Set(named.filter((n) => n.startsWith('station-')))];
    expect(ours.filter((n) => !units.includes(n))).toEqual([]);
    expect(
      values('station-service.service', 'Wants')
        .filter((n) => n.startsWith('station-'))
        .sort(),
    ).toEqual([...Object.values(UNIT_OF), 'station-runners.service'].sort());
    for (const unit of [...Object.values(UNIT_OF), 'station-runners.service'])
      expect(values(unit, 'PartOf')).toEqual(['station-service.service']);
  });

  test('each service unit runs its app with the station marker, from a file that exists', () => {
    for (const [app, unit] of Object.entries(UNIT_OF)) {
      const [exec] = values(unit, 'ExecStart');
      expect(exec).toBe(`${INSTALL_DIR}/node_modules/.bin/bun`);
      const line = text(unit)
        .split('\n')
        .find((l) => l.startsWith('ExecStart='))!;
      expect(line).toContain(`apps/${app}/src/main.ts --station \${STATION_ID}`);
      expect(existsSync(join(REPO, 'apps', app, 'src/main.ts'))).toBe(true);
    }
  });

  test("systemd stops them in SPEC §6 order, the launcher's: the reverse of the After= chain", () => {
    // A unit stops before the units it is ordered After=; sort so that each comes after what it follows.
    const apps = Object.keys(UNIT_OF);
    const after = (app: string) => values(UNIT_OF[app]!, 'After');
    const startOrder = [...apps].sort((a, b) =>
      after(b).includes(UNIT_OF[a]!) ? -1 : after(a).includes(UNIT_OF[b]!) ? 1 : 0,
    );
    expect([...startOrder].reverse()).toEqual([...STOP_ORDER]);
  });

  test("restarting the supervisor leaves the runners alone; the station's stop ends them after it", () => {
    // systemd signals only the supervisor's own process: runners in its cgroup are never killed by it.
    expect(values('station-supervisor.service', 'KillMode')).toEqual(['process']);
    // The runners' stop is ordered before the supervisor (so it stops after it, when no supervisor is
    // left to restart them) and after the sync agent and broker (which stop after it).
    expect(values('station-supervisor.service', 'After')).toContain('station-runners.service');
    expect(values('station-runners.service', 'Before')).toEqual(['station-supervisor.service']);
    expect(values('station-runners.service', 'After')).toEqual(
      expect.arrayContaining(['station-broker.service', 'station-sync-agent.service']),
    );
    const stop = text('station-runners.service')
      .split('\n')
      .find((l) => l.startsWith('ExecStop='))!;
    expect(stop).toContain('apps/batch-supervisor/src/stop-runners.ts');
    expect(existsSync(join(REPO, 'apps/batch-supervisor/src/stop-runners.ts'))).toBe(true);
    expect(Number(values('station-runners.service', 'TimeoutStopSec')[0])).toBeGreaterThanOrEqual(30);
  });
});
