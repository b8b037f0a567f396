// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// A runner's environment: sequence code reads process.env / Bun.env, so the supervisor gives the runner
// only what it needs and what station.yaml allows; no secret the station holds reaches a step.
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../../../tests/support/process.ts';
import { Station } from './station.ts';

setDefaultTimeout(30_000);

const SECRETS = {
  STATION_BACKEND_API_KEY: 'bk-3c1f9a7e-backend-key',
  STATION_API_KEY: 'api-77d2e0b4-operator-key',
  STATION_JWT_SECRET: 'jwt-5a9e41c8-signing-secret',
};

/** One step that returns what it can see; the runner stores the return value as the step's result. */
function writeEnvProbe(sequencesDir: string): void {
  const dir = join(sequencesDir, 'env_probe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.yaml'),
    'name: env_probe\nversion: 1.0.0\nsteps:\n  - name: read_env\n    timeout: 5s\n',
  );
  writeFileSync(
    join(dir, 'sequence.ts'),
    'export async function read_env() {\n  return { env: { ...process.env }, bunEnv: { ...Bun.env } };\n}\n',
  );
}

let station: Station | undefined;
afterEach(async () => {
  await station?.dispose();
  station = undefined;
});

test('a step sees the allow-listed variables and none of the secrets the station holds', async () => {
  station = new Station([{ id: 'b1', sequencePackage: 'env_probe', yaml: 'env: { FIXTURE_SLOT: "3" }' }], {
    runnerEnv: { LINE_ID: '${LINE_ID}' },
    yaml: [
      'backend:\n  url: http://127.0.0.1:9/\n  api_key: ${STATION_BACKEND_API_KEY}',
      'server:\n  auth:\n    api_keys: [ "${STATION_API_KEY}" ]',
    ].join('\n'),
  });
  writeEnvProbe(join(station.dir, 'sequences'));
  await station.up();
  const st = station;
  st.supervisor({}, true, { ...SECRETS, LINE_ID: 'line-7', NOT_ALLOWED: 'kept-away' });
  await st.ready();
  await st.client.request('supervisor', 'batch.start', { batchId: 'b1' });
  const { executionId } = await st.client.request('runner.b1', 'sequence.start', {});
  await until(() => st.ofBatch('b1', 'sequence_complete')[0], 'the sequence to complete', 20_000);

  const result = st.store.getResult(executionId);
  const seen = result?.steps[0]?.result as { env: Record<string, string>; bunEnv: Record<string, string> };
  for (const env of [seen.env, seen.bunEnv]) {
    expect(env).toMatchObject({ LINE_ID: 'line-7', FIXTURE_SLOT: '3', PATH: process.env.PATH });
    const names = Object.keys(env);
    for (const name of [...Object.keys(SECRETS), 'NOT_ALLOWED']) expect(names).not.toContain(name);
    const text = JSON.stringify(env);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  }
  // The runner still read station.yaml, whose backend and auth sections reference the withheld secrets.
  expect(result).toMatchObject({ status: 'completed', overallPass: true });
});

test("a secret the batch's own section uses reaches its parameter, not the step's environment", async () => {
  const token = 'dev-0b7c2e91-device-token';
  station = new Station([
    { id: 'b1', sequencePackage: 'token_probe', yaml: 'parameters: { device_token: "${DEVICE_TOKEN}" }' },
  ]);
  const dir = join(station.dir, 'sequences', 'token_probe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.yaml'),
    [
      'name: token_probe',
      'version: 1.0.0',
      'parameters:',
      '  device_token: { type: string, default: "" }',
      'steps:',
      '  - name: read_env',
      '    timeout: 5s',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'sequence.ts'),
    [
      'export async function read_env(ctx) {',
      '  const token = String(ctx.params.device_token);',
      '  return { names: Object.keys(process.env), bunNames: Object.keys(Bun.env), tokenLength: token.length,',
      '    inEnv: Object.values(process.env).includes(token) };',
      '}',
      '',
    ].join('\n'),
  );
  await station.up();
  const st = station;
  st.supervisor({}, true, { DEVICE_TOKEN: token });
  await st.ready();
  await st.client.request('supervisor', 'batch.start', { batchId: 'b1' });
  const { executionId } = await st.client.request('runner.b1', 'sequence.start', {});
  await until(() => st.ofBatch('b1', 'sequence_complete')[0], 'the sequence to complete', 20_000);

  const result = st.store.getResult(executionId);
  expect(result).toMatchObject({ status: 'completed', overallPass: true });
  const seen = result?.steps[0]?.result as { names: string[]; bunNames: string[]; tokenLength: number };
  expect(seen).toMatchObject({ tokenLength: token.length, inEnv: false });
  expect(seen.names).not.toContain('DEVICE_TOKEN');
  expect(seen.bunNames).not.toContain('DEVICE_TOKEN');
});
