// `ps aux | grep station` lists every process of the station, the launcher included, each with its role:
// read from /proc/<pid>/cmdline of the real process tree that `npm start`'s command starts.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FixtureProcess, spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

setDefaultTimeout(90_000);

/** The entry `npm start` runs (package.json "start"). */
const ENTRY = join(REPO, 'scripts/station-launcher.ts');

/** The role each kind of station process names on its command line. */
const ROLES: [role: string, mark: string][] = [
  ['launcher', 'scripts/station-launcher.ts'],
  ['broker', 'apps/broker/src/main.ts'],
  ['batch-supervisor', 'apps/batch-supervisor/src/main.ts'],
  ['sync-agent', 'apps/sync-agent/src/main.ts'],
  ['api-gateway', 'apps/api-gateway/src/main.ts'],
  // Spawned from its bundle (dist/main.js) once built, from its sources until then.
  ['batch-runner', 'apps/batch-runner/'],
];

function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
}

/** `root` and every process below it, from the parent pids in /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name before it may itself contain spaces and parens.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone while we looked
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

function roleOf(line: string): string | undefined {
  return ROLES.find(([, mark]) => line.includes(mark))?.[0];
}

let st: TempStation;
let launcher: FixtureProcess;
let port: number;

beforeAll(async () => {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  port = probe.port as number;
  probe.stop(true);
  st = tempStation({
    packages: [join(REPO, 'sequences/psu_functional')],
    extraYaml: `server: { port: ${port} }`,
    batchesYaml: `
  - id: slot_ps
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true`,
  });
  // The config comes from the environment, so the launcher's command line is exactly what `npm start`
  // execs: nothing on it says "station" except the entry's own name.
  launcher = st.track(spawnFixture(ENTRY, [], { STATION_CONFIG: st.configPath }));
  await launcher.waitFor(/^Station .* ready: UI /, 60_000);
  await until(
    () => processTree(launcher.pid).some((pid) => cmdline(pid).includes('apps/batch-runner/')),
    'the auto-started runner',
    30_000,
    100,
  );
});

afterAll(async () => {
  await launcher?.kill('SIGTERM');
  await st?.cleanup();
});

test('every process of the station says "station" and its role on its command line', () => {
  const lines = processTree(launcher.pid).map((pid) => ({ pid, line: cmdline(pid) }));
  expect(lines.map(({ line }) => roleOf(line)).sort()).toEqual(
    ['api-gateway', 'batch-runner', 'batch-supervisor', 'broker', 'launcher', 'sync-agent'].sort(),
  );
  for (const { line } of lines) expect(line).toContain('station');
  // The services and runners also name the station they belong to; runners their batch.
  for (const { line } of lines.filter(({ line }) => roleOf(line) !== 'launcher'))
    expect(line).toContain('--station test-station');
  expect(lines.find(({ line }) => roleOf(line) === 'batch-runner')!.line).toContain('--batch slot_ps');
});

test('`ps aux | grep station` lists all of them, the launcher too', () => {
  const tree = processTree(launcher.pid);
  const ps = Bun.spawnSync(['bash', '-c', 'ps aux | grep station']).stdout.toString();
  const listed = new Set(ps.split('\n').map((l) => Number(l.trim().split(/\s+/)[1])));
  expect(tree.filter((pid) => !listed.has(pid))).toEqual([]);
  expect(tree.length).toBe(ROLES.length);
});
