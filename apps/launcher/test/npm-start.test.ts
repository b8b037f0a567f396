// `npm start` under a process manager that signals the pid it started, which is npm's own: SIGTERM to
// npm must stop the launcher and every station process, not leave them running orphaned.
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { freePort, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

setDefaultTimeout(120_000);

/** Live (not zombie) processes whose command line names this station's config: npm, sh, launcher, services, runners. */
function stationProcesses(configPath: string): { pid: number; args: string }[] {
  const ps = Bun.spawnSync(['ps', '-eo', 'pid=,stat=,args=']).stdout.toString();
  return ps
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .filter((m) => !m[2]!.startsWith('Z') && m[3]!.includes(configPath) && !m[3]!.startsWith('ps '))
    .map((m) => ({ pid: Number(m[1]), args: m[3]! }));
}

let st: TempStation;
let npm: Bun.Subprocess<'ignore', 'pipe', 'pipe'> | undefined;
beforeEach(() => {
  st = tempStation({
    packages: [join(REPO, 'sequences/psu_functional')],
    extraYaml: `server: { port: ${freePort()} }`,
    batchesYaml: `
  - id: slot_a
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
    auto_start: true
`,
  });
});
afterEach(async () => {
  npm?.kill('SIGKILL');
  for (const p of stationProcesses(st.configPath)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await st.cleanup();
});

async function startWithNpm(): Promise<Bun.Subprocess<'ignore', 'pipe', 'pipe'>> {
  const proc = Bun.spawn(['npm', 'start', '--', '--config', st.configPath], {
    cwd: REPO,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  npm = proc;
  let out = '';
  void (async () => {
    const decoder = new TextDecoder();
    const reader = proc.stdout.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += decoder.decode(value, { stream: true });
    }
  })();
  await until(() => /Station .* ready: UI /.test(out), 'the station to be ready', 90_000, 100);
  await until(
    () => stationProcesses(st.configPath).some((p) => p.args.includes('--batch slot_a')),
    "slot_a's runner",
    30_000,
    100,
  );
  expect(stationProcesses(st.configPath).some((p) => p.args.includes('station-launcher.ts'))).toBe(true);
  return proc;
}

async function allGone(): Promise<void> {
  await until(
    () => stationProcesses(st.configPath).length === 0,
    'every station process to be gone',
    30_000,
    100,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; left: ${JSON.stringify(stationProcesses(st.configPath))}`);
  });
  expect(stationProcesses(st.configPath)).toEqual([]);
}

test.each(['SIGTERM', 'SIGKILL'] as const)(
  '%s to the npm process of `npm start` stops the whole station',
  async (signal) => {
    const proc = await startWithNpm();
    process.kill(proc.pid, signal);
    await allGone();
  },
);
