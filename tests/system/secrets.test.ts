// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// Secrets stay secret through a whole station: a step, a driver and the Backend's answer each put a secret
// the station holds into an error; none of it may reach the API, the store or a log file.
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestBackend } from '../backend/server.ts';
import { type FixtureProcess, freePort, spawnFixture, until } from '../support/process.ts';
import { REPO, type TempStation, tempStation } from '../support/station.ts';

setDefaultTimeout(120_000);

const SECRETS = {
  STATION_BACKEND_API_KEY: 'bk-91f0c2d7-backend-key',
  STATION_API_KEY: 'op-4e8a1b36-operator-key',
  STATION_JWT_SECRET: 'jwt-c0ffee42-signing-secret',
  LINE_TOKEN: 'lt-7d3e9a15-line-token',
  FIXTURE_PASSWORD: 'fx-2b6c8e04-fixture-password',
};

let st: TempStation;
let backend: TestBackend;
let launcher: FixtureProcess;
let base: string;

/** Every secret value that occurs in `text`. */
function leaked(text: string): string[] {
  return Object.values(SECRETS).filter((s) => text.includes(s));
}

beforeAll(async () => {
  backend = await TestBackend.start({ apiKey: SECRETS.STATION_BACKEND_API_KEY });
  // The Backend refuses every result and echoes the key it was sent, as a careless one might.
  backend.behave({
    kind: 'status',
    status: 422,
    body: JSON.stringify({ error: `result refused for key ${SECRETS.STATION_BACKEND_API_KEY}` }),
  });
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  st = tempStation({
    packages: [join(REPO, 'tests/system/packages/secret_leak')],
    extraYaml: [
      `server: { port: ${port}, auth: { api_keys: [ "\${STATION_API_KEY}" ] } }`,
      `backend: { url: "${backend.url}", api_key: "\${STATION_BACKEND_API_KEY}", sync_interval: 500ms, timeout: 2s, health_interval: 300ms }`,
    ].join('\n'),
    batchesYaml: [
      '  - id: b1',
      '    sequence_package: secret_leak',
      '    hardware: { vault: { driver: vault, password: "${FIXTURE_PASSWORD}" } }',
      '    env: { LINE_TOKEN: "${LINE_TOKEN}" }',
      '    auto_start: true',
    ].join('\n'),
  });
  launcher = st.track(
    spawnFixture(join(REPO, 'apps/launcher/src/main.ts'), ['--config', st.configPath], SECRETS),
  );
  await launcher.waitFor(/^Station .* ready: UI /, 90_000);
});

afterAll(async () => {
  await launcher?.kill('SIGTERM');
  await st.cleanup();
  await backend.stop();
});

test('a secret in a step error, a driver error and the Backend answer reaches no API, store row or log', async () => {
  await until(
    async () => (await (await fetch(`${base}/api/batches/b1`)).json()).status === 'running',
    'batch b1 running',
    60_000,
    100,
  );
  const run = async (source: string): Promise<string> => {
    const started = await fetch(`${base}/api/batches/b1/sequence/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { source } }),
    });
    const { executionId } = (await started.json()) as { executionId: string };
    return until(
      async () => {
        const res = await fetch(`${base}/api/results/${executionId}`);
        const text = await res.text();
        return res.status === 200 && JSON.parse(text).status !== 'running' ? text : undefined;
      },
      `the ${source} execution to finish`,
      30_000,
      100,
    );
  };
  const resultText = [await run('env'), await run('driver'), await run('result')].join('\n');
  const steps = resultText
    .split('\n')
    .map((r) => (JSON.parse(r) as { steps: { error: string | null; result: unknown }[] }).steps[0]);
  // The errors and the returned value are there; only the secrets in them are gone. The fixture password
  // reached the vault driver through its options (its refusal quotes it) but not the step's environment;
  // LINE_TOKEN is there because the batch's `env` asks for it.
  expect(steps.map((x) => x?.error)).toEqual([
    'STEP_FAILED: step saw LINE_TOKEN=[redacted]',
    expect.stringContaining('vault refused password [redacted]'),
    null,
  ]);
  expect(steps[2]?.result).toEqual({ seen: ['LINE_TOKEN=[redacted]'] });

  const manual = await fetch(`${base}/api/batches/b1/manual`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hardware: 'vault', command: 'open', params: {} }),
  });
  const manualText = await manual.text();
  expect(manual.status).toBe(502);
  expect(manualText).toContain('vault refused password [redacted]');

  await until(() => backend.stats().failed > 0, 'the Backend to refuse the result', 30_000, 50);
  const db = new Database(st.dbPath, { readonly: true });
  const lastError = await until(
    () =>
      db
        .query<{ last_error: string | null }, []>(
          "SELECT last_error FROM sync_queue WHERE status = 'rejected'",
        )
        .get()?.last_error,
    'the rejection to be recorded',
    30_000,
    50,
  );
  expect(lastError).toContain('result refused for key [redacted]');
  const rows = JSON.stringify([
    db.query('SELECT * FROM sync_queue').all(),
    db.query('SELECT * FROM executions').all(),
    db.query('SELECT * FROM step_results').all(),
  ]);
  db.close();
  const health = await (await fetch(`${base}/api/system/health`)).text();
  const logs = readdirSync(join(st.dataDir, 'logs'))
    .map((f) => readFileSync(join(st.dataDir, 'logs', f), 'utf8'))
    .join('\n');
  expect(logs).toContain('[redacted]');

  expect({
    result: leaked(resultText),
    manual: leaked(manualText),
    store: leaked(rows),
    health: leaked(health),
    logs: leaked(logs),
    stdout: leaked(launcher.lines.join('\n') + launcher.errLines.join('\n')),
  }).toEqual({ result: [], manual: [], store: [], health: [], logs: [], stdout: [] });
});
