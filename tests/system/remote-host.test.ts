// Issue 21: a batch on another machine. Two network namespaces on this machine stand for the station and
// a batch host, joined by a veth pair: the station's broker and supervisor run in one, with the broker's
// CURVE endpoints on the veth address; the batch host runs in the other with its own data folder and its
// own station.yaml. A remote batch runs a 25-step sequence three times: untouched, with the link cut and
// restored mid-run, and with the batch host SIGKILLed mid-run and started again. Each time the run
// completes and every step is in the station's store exactly once. A host whose key the station does not
// list is refused and never serves on the bus. Needs root and iproute2 (.ci/run installs it).

import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusClient } from '@station/bus';
import { curveKeyPair, formatKeyFile } from '@station/zmtp';
import { longRunSteps, writeLongRunPackage } from '../support/long-run-package.ts';
import { type FixtureProcess, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(240_000);

const STEPS = longRunSteps(25);
const STEP_MS = 400;
const ID = process.pid.toString(36);
const NS_STATION = `st-a-${ID}`;
const NS_HOST = `st-b-${ID}`;
const VETH_STATION = `va${ID}`;
const VETH_HOST = `vb${ID}`;
const STATION_ADDR = '10.213.7.1';
const HOST_ADDR = '10.213.7.2';
const REMOTE = { serviceBus: 5560, eventIn: 5561, eventOut: 5562 };

function sh(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: 'pipe', stderr: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const inNs = (ns: string) => ['ip', 'netns', 'exec', ns];

function requireRootAndNetns(): void {
  if (process.getuid?.() !== 0)
    throw new Error('this test makes network namespaces: run it as root (CI does)');
  if (Bun.spawnSync(['sh', '-c', 'command -v ip']).exitCode !== 0)
    throw new Error('this test needs iproute2 (`ip netns`); .ci/run installs it');
}

function writeKeys(path: string): string {
  const pair = curveKeyPair();
  writeFileSync(`${path}.key`, formatKeyFile({ publicKey: pair.publicKey }));
  writeFileSync(`${path}.key_secret`, formatKeyFile(pair), { mode: 0o600 });
  chmodSync(`${path}.key_secret`, 0o600);
  return pair.publicKey;
}

let st: TempStation;
let client: BusClient;
let broker: FixtureProcess;
let runnerPid: number;
let hostKey: string;
let rogueKey: string;
let hostDir: string;
let hostConfig: string;
const hostProcs: FixtureProcess[] = [];
const netnsMade: string[] = [];

function hostYaml(keyName: string): string {
  const tcp = (port: number) => `tcp://${STATION_ADDR}:${port}`;
  return [
    'station: { id: test-station, name: Test Station }',
    `paths: { data_dir: ./data-${keyName}, sequences_dir: ./sequences }`,
    `ipc: { service_bus: "${tcp(REMOTE.serviceBus)}", event_pub: "${tcp(REMOTE.eventIn)}", event_sub: "${tcp(REMOTE.eventOut)}" }`,
    'logging: { level: debug }',
    `security: { curve: { secret_key_file: ./keys/${keyName}.key_secret, server_key_file: ./keys/station.key } }`,
    HOSTS_AND_BATCHES,
  ].join('\n');
}

const HOSTS_AND_BATCHES = [
  'hosts:',
  '  - name: rack-2',
  'batches:',
  '  - id: remote_1',
  '    host: rack-2',
  '    sequence_package: long_run',
  '    hardware: { psu: { driver: sim_psu } }',
  '    restart: { policy: never }',
].join('\n');

function startHost(config = hostConfig): FixtureProcess {
  const p = spawnFixture(
    join(REPO, 'apps/batch-host/src/main.ts'),
    ['--config', config, '--host', 'rack-2'],
    {},
    inNs(NS_HOST),
  );
  hostProcs.push(p);
  return p;
}

beforeAll(async () => {
  requireRootAndNetns();
  sh(['ip', 'netns', 'add', NS_STATION]);
  netnsMade.push(NS_STATION);
  sh(['ip', 'netns', 'add', NS_HOST]);
  netnsMade.push(NS_HOST);
  sh(
    `ip link add ${VETH_STATION} netns ${NS_STATION} type veth peer name ${VETH_HOST} netns ${NS_HOST}`.split(
      ' ',
    ),
  );
  sh([...inNs(NS_STATION), 'ip', 'addr', 'add', `${STATION_ADDR}/24`, 'dev', VETH_STATION]);
  sh([...inNs(NS_HOST), 'ip', 'addr', 'add', `${HOST_ADDR}/24`, 'dev', VETH_HOST]);
  for (const [ns, dev] of [
    [NS_STATION, VETH_STATION],
    [NS_HOST, VETH_HOST],
  ] as const) {
    sh([...inNs(ns), 'ip', 'link', 'set', 'lo', 'up']);
    sh([...inNs(ns), 'ip', 'link', 'set', dev, 'up']);
  }

  st = tempStation({
    packages: [],
    extraYaml: [
      `remote: { service_bus: "tcp://${STATION_ADDR}:${REMOTE.serviceBus}", event_pub: "tcp://${STATION_ADDR}:${REMOTE.eventIn}", event_sub: "tcp://${STATION_ADDR}:${REMOTE.eventOut}" }`,
      'security: { curve: { secret_key_file: ./keys/station.key_secret, authorized_keys_dir: ./keys/hosts } }',
      'hosts:',
      '  - name: rack-2',
    ].join('\n'),
    batchesYaml: HOSTS_AND_BATCHES.split('batches:\n')[1]!,
  });
  writeLongRunPackage(join(st.sequencesDir, 'long_run'), STEPS.length);
  const keys = join(st.dir, 'keys');
  mkdirSync(join(keys, 'hosts'), { recursive: true });
  writeKeys(join(keys, 'station'));

  // The host machine: its own folder, its copy of station.yaml, its keys and the station's public key.
  hostDir = join(st.dir, 'host');
  mkdirSync(join(hostDir, 'keys'), { recursive: true });
  cpSync(join(st.sequencesDir), join(hostDir, 'sequences'), { recursive: true });
  cpSync(join(keys, 'station.key'), join(hostDir, 'keys/station.key'));
  hostKey = writeKeys(join(hostDir, 'keys/rack-2'));
  rogueKey = writeKeys(join(hostDir, 'keys/rogue'));
  cpSync(join(hostDir, 'keys/rack-2.key'), join(keys, 'hosts/rack-2.key'));
  hostConfig = join(hostDir, 'station.yaml');
  writeFileSync(hostConfig, hostYaml('rack-2'));
  writeFileSync(join(hostDir, 'rogue.yaml'), hostYaml('rogue'));

  const station = (app: string) =>
    st.track(
      spawnFixture(join(REPO, `apps/${app}/src/main.ts`), ['--config', st.configPath], {}, inNs(NS_STATION)),
    );
  broker = station('broker');
  station('batch-supervisor');
  // The unix sockets are files: this process (outside both namespaces) reaches the station's bus.
  client = new BusClient({ endpoint: st.ipc.serviceBus, timeoutMs: 5_000 });
  await until(
    () => client.request('supervisor', 'batch.list', {}).then(() => true),
    'the supervisor to answer on the bus',
    120_000,
    200,
  );
});

afterAll(async () => {
  client?.close();
  // Every process in either namespace (the runner the host left behind included), then the namespaces.
  for (const ns of netnsMade) {
    const pids = Bun.spawnSync(['ip', 'netns', 'pids', ns]).stdout.toString().split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  }
  await Promise.all(hostProcs.map((p) => p.kill('SIGKILL')));
  await st?.cleanup();
  for (const ns of netnsMade) Bun.spawnSync(['ip', 'netns', 'del', ns]);
});

function stationDb(): Database {
  return new Database(st.dbPath, { readonly: true });
}

/** The station's store: each step's rows for an execution, and the execution's status. */
function stored(executionId: string) {
  const db = stationDb();
  try {
    const rows = db
      .query('SELECT name, status FROM step_results WHERE execution_id = ? ORDER BY step_order')
      .all(executionId) as { name: string; status: string }[];
    const measured = db
      .query('SELECT name, value FROM measurements WHERE execution_id = ? ORDER BY id')
      .all(executionId) as { name: string; value: number }[];
    const exec = db.query('SELECT status FROM executions WHERE id = ?').get(executionId) as {
      status: string;
    } | null;
    return {
      rows,
      measured,
      done: rows.filter((r) => r.status === 'completed').length,
      status: exec?.status,
    };
  } catch {
    return { rows: [], measured: [], done: 0, status: undefined };
  } finally {
    db.close();
  }
}

/** The host's own store: completed steps of an execution, its status, and how many records wait in the spool. */
function onHost(executionId: string) {
  const db = new Database(join(hostDir, 'data-rack-2', 'station.db'), { readonly: true });
  try {
    const done = (
      db
        .query("SELECT COUNT(*) AS n FROM step_results WHERE execution_id = ? AND status = 'completed'")
        .get(executionId) as { n: number }
    ).n;
    const exec = db.query('SELECT status FROM executions WHERE id = ?').get(executionId) as {
      status: string;
    } | null;
    const spooled = (db.query('SELECT COUNT(*) AS n FROM spool_records').get() as { n: number }).n;
    return { done, status: exec?.status, spooled };
  } finally {
    db.close();
  }
}

async function runToEnd(during?: (executionId: string) => Promise<void>) {
  const { executionId } = await client.request(
    'runner.remote_1',
    'sequence.start',
    { parameters: { step_ms: STEP_MS } },
    { timeoutMs: 10_000 },
  );
  await during?.(executionId);
  const done = await until(
    () => {
      const s = stored(executionId);
      return s.status !== undefined && s.status !== 'running' && s.done >= STEPS.length ? s : undefined;
    },
    `run ${executionId} ended in the station's store with all its steps`,
    120_000,
    100,
  );
  // Every step once: none lost, none twice, each completed.
  expect(done.rows.map((r) => r.name)).toEqual(STEPS);
  expect(done.rows.every((r) => r.status === 'completed')).toBe(true);
  const byNameAndValue = (a: { name: string; value: number }, b: { name: string; value: number }) =>
    a.name.localeCompare(b.name) || a.value - b.value;
  expect(done.measured.toSorted(byNameAndValue)).toEqual([
    { name: 'level', value: 0 },
    ...STEPS.map((_, i) => ({ name: 'n', value: i + 1 })),
  ]);
  expect(done.status).toBe('completed');
  // The same runner process did the whole run: the supervisor never concluded it had ended.
  const batch = await client.request('supervisor', 'batch.get', { batchId: 'remote_1' });
  expect({ status: batch.status, pid: batch.pid }).toEqual({ status: 'running', pid: runnerPid });
  return executionId;
}

const hostAnswers = () =>
  client.request('host.rack-2', 'health', {}, { timeoutMs: 2_000 }).then(
    () => true,
    () => false,
  );
const logged = (p: FixtureProcess, text: string) =>
  [...p.lines, ...p.errLines].filter((l) => l.includes(text)).length;

test('a host whose key the station does not list is refused and never serves on the bus', async () => {
  const rogue = startHost(join(hostDir, 'rogue.yaml'));
  // The broker refuses it again at each of its reconnects; a few refusals and it has never been let in.
  await until(
    () => logged(broker, 'broker: a connection was refused') >= 3,
    'the broker to refuse the rogue host',
    60_000,
    100,
  );
  expect(logged(broker, 'broker: CURVE client connected')).toBe(0);
  const refusal = broker.lines.find((l) => l.includes('broker: a connection was refused'))!;
  expect(refusal).toContain('AUTH_FAILED');
  expect(refusal).toContain(rogueKey);
  expect(await hostAnswers()).toBe(false);
  await rogue.kill('SIGKILL');
});

test('the authorized host serves the batch and a run completes with every step once in the station', async () => {
  startHost();
  await until(hostAnswers, 'host.rack-2 to answer on the bus', 60_000, 200);
  const connected = broker.lines.filter((l) => l.includes('broker: CURVE client connected'));
  expect(connected.length).toBeGreaterThan(0);
  expect(connected.every((l) => l.includes(hostKey))).toBe(true);
  const started = await client.request(
    'supervisor',
    'batch.start',
    { batchId: 'remote_1' },
    { timeoutMs: 30_000 },
  );
  expect(started.status).toBe('running');
  runnerPid = started.pid;
  await until(
    () =>
      client.request('runner.remote_1', 'health', {}, { timeoutMs: 2_000 }).then(
        () => true,
        () => false,
      ),
    'the remote runner on the bus',
    60_000,
    200,
  );
  await runToEnd();
});

test('the link is cut mid-run and restored: the run completes, every step arrives once', async () => {
  await runToEnd(async (executionId) => {
    await until(() => stored(executionId).done >= 3, 'three steps at the station before the cut', 60_000, 50);
    sh([...inNs(NS_HOST), 'ip', 'link', 'set', VETH_HOST, 'down']);
    try {
      // The run goes on to its end on the host (its own store); what the station has not got waits in the
      // host's spool, and the station's copy stands still.
      const ended = await until(
        () => {
          const h = onHost(executionId);
          return h.status === 'completed' ? h : undefined;
        },
        'the run to end on the host while the link is down',
        60_000,
        50,
      );
      expect(ended.done).toBe(STEPS.length);
      expect(ended.spooled).toBeGreaterThan(0);
      expect(stored(executionId).done).toBeLessThan(STEPS.length);
    } finally {
      sh([...inNs(NS_HOST), 'ip', 'link', 'set', VETH_HOST, 'up']);
    }
  });
});

test('the batch host is SIGKILLed mid-run and started again: the run completes, every step arrives once', async () => {
  await runToEnd(async (executionId) => {
    await until(
      () => stored(executionId).done >= 3,
      'three steps at the station before the kill',
      60_000,
      50,
    );
    await hostProcs.at(-1)!.kill('SIGKILL');
    // The runner is in a session of its own: it goes on without its host, into the host's store and spool.
    const atKill = onHost(executionId).done;
    await until(
      () => onHost(executionId).done >= atKill + 5,
      'the runner to go on while its host is down',
      60_000,
      50,
    );
    expect(stored(executionId).done).toBeLessThan(STEPS.length);
    startHost();
    await until(hostAnswers, 'the restarted host to answer on the bus', 60_000, 200);
  });
  // The host drops what the station has acknowledged: its spool empties.
  await until(() => onHost('').spooled === 0, "the host's spool to empty", 30_000, 50);
});
