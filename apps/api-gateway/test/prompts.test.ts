// Operator prompts through REST on a real station (launcher, broker, supervisor, runner, gateway, store):
// the open prompt in GET /api/batches/{id}, answers refused with their reason, the first answer winning,
// who answered recorded with the step, abort cancelling, and package images served without traversal.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import type { OperatorPrompt } from '@station/model';
import { type FixtureProcess, freePort, spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

setDefaultTimeout(120_000);

const LINE_KEY = 'line-pc-key-0123456789';
const LEAD_KEY = 'lead-key-0123456789';

let st: TempStation;
let base: string;
let launcher: FixtureProcess | undefined;

beforeAll(async () => {
  const port = freePort();
  st = tempStation({
    packages: [join(REPO, 'sequences/unit_checkout'), join(import.meta.dir, 'packages/prompt_timeout')],
    extraYaml: `server: { port: ${port}, auth: { enabled: true, api_keys: [{ key: ${LINE_KEY}, name: line-pc, role: operator }, { key: ${LEAD_KEY}, name: lead, role: engineer }] } }`,
    batchesYaml: `
  - id: slot_1
    sequence_package: unit_checkout
    hardware: { unit: { driver: sim_unit } }
    auto_start: true
    restart: { policy: never }
  - id: slot_2
    sequence_package: prompt_timeout
    hardware: {}
    auto_start: true
    restart: { policy: never }`,
  });
  launcher = st.track(spawnFixture(join(REPO, 'apps/launcher/src/main.ts'), ['--config', st.configPath]));
  await launcher.waitFor(/^Station .* ready: UI /, 60_000);
  base = `http://127.0.0.1:${port}`;
  for (const slot of ['slot_1', 'slot_2']) {
    await until(
      async () => (await get<{ status: string }>(`/api/batches/${slot}`)).body.status === 'running',
      `${slot} running`,
      30_000,
      100,
    );
  }
});

afterAll(async () => {
  // SIGTERM first so the launcher stops its services in order; then nothing of this station may be left.
  await launcher?.kill('SIGTERM').catch(() => undefined);
  const left = Bun.spawnSync(['ps', '-eo', 'pid=,args='])
    .stdout.toString()
    .split('\n')
    .filter((l) => st && l.includes(st.configPath))
    .map((l) => Number.parseInt(l.trim(), 10));
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await st?.cleanup();
});

function headers(key = LINE_KEY): Record<string, string> {
  return { 'x-api-key': key, 'content-type': 'application/json' };
}

async function get<T>(path: string, key = LINE_KEY): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { headers: headers(key) });
  return { status: res.status, body: (await res.json()) as T };
}

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

async function post<T = ErrorBody>(path: string, body?: unknown, key = LINE_KEY) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: headers(key),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** The open prompt of `slot` once one is open (and is not `except`). */
function openPrompt(except?: string, slot = 'slot_1'): Promise<OperatorPrompt> {
  return until(
    async () => {
      const { body } = await get<{ execution?: { prompt?: OperatorPrompt } }>(`/api/batches/${slot}`);
      const p = body.execution?.prompt;
      return p && p.id !== except ? p : undefined;
    },
    `an open prompt on ${slot}`,
    20_000,
    50,
  );
}

const answer = (id: string, value: unknown, key = LINE_KEY) =>
  post(`/api/batches/slot_1/prompts/${id}`, { answer: value }, key);

describe('operator prompts over REST', () => {
  test('a whole run answered through the API: bad answers 422, first answer wins, who answered is recorded', async () => {
    const start = await post<{ executionId: string }>('/api/batches/slot_1/sequence/start', {});
    expect(start.status).toBe(200);
    const { executionId } = start.body;

    // 1. confirm: shown in the batch detail with its image; unknown ids are 404, wrong types 422.
    const insert = await openPrompt();
    expect(insert).toEqual({
      id: expect.stringMatching(/^prm_[0-9a-f]{32}$/),
      executionId,
      step: 'insert_unit',
      kind: 'confirm',
      message: 'Insert the unit into the fixture and close the lid. Done?',
      image: '/api/sequences/unit_checkout/assets/fixture.svg',
      openedAt: expect.any(String),
      deadline: expect.any(String),
    });
    expect(Date.parse(insert.deadline) - Date.parse(insert.openedAt)).toBe(5 * 60_000);
    expect(await answer('prm_nope', true)).toEqual({
      status: 404,
      body: {
        error: { code: 'NOT_FOUND', message: 'no prompt prm_nope', details: { promptId: 'prm_nope' } },
      },
    });
    // A path that leaves the route (normalised to another path) is refused, never routed to the runner.
    expect([403, 404]).toContain((await answer('../../x', true)).status);
    const wrongType = await answer(insert.id, 'yes');
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.code).toBe('BAD_REQUEST');
    expect(wrongType.body.error.message).toBe(
      `answer to prompt ${insert.id}: expected true (yes) or false (no)`,
    );
    expect(wrongType.body.error.details?.reason).toBe('expected true (yes) or false (no)');
    // A body that is not an answer at all never reaches the runner.
    expect((await post(`/api/batches/slot_1/prompts/${insert.id}`, { answer: { yes: 1 } })).status).toBe(422);
    expect((await post(`/api/batches/slot_1/prompts/${insert.id}`, {})).status).toBe(422);
    // Manual control stays locked while the run waits for the operator.
    const manual = await post(
      '/api/batches/slot_1/manual',
      { hardware: 'unit', command: 'status' },
      LEAD_KEY,
    );
    expect(manual.status).toBe(409);
    expect(manual.body.error.message).toContain('waits for an answer to an operator prompt');
    // Two answers at once from two keys: exactly one wins, the other is told the prompt is closed.
    const both = await Promise.all([answer(insert.id, true), answer(insert.id, true, LEAD_KEY)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const won = both.find((r) => r.status === 200)!.body as unknown as Record<string, unknown>;
    const lost = both.find((r) => r.status === 409)!.body;
    expect(lost.error).toEqual({
      code: 'PROMPT_CLOSED',
      message: `prompt ${insert.id} is closed (answered)`,
      details: { promptId: insert.id, status: 'answered' },
    });
    const winner = String(won.answeredBy);
    expect(['line-pc', 'lead']).toContain(winner);
    expect(won).toEqual({
      id: insert.id,
      executionId,
      step: 'insert_unit',
      status: 'answered',
      answer: true,
      answeredBy: winner,
      closedAt: expect.any(String),
    });
    const led = await openPrompt(insert.id);
    expect([led.kind, led.options]).toEqual(['choice', ['green', 'amber', 'red', 'off']]);
    expect((await answer(led.id, 'blue')).body.error.details?.reason).toBe(
      '"blue" is not one of "green", "amber", "red", "off"',
    );
    expect((await answer(led.id, 'green')).status).toBe(200);
    const label = await openPrompt(led.id);
    expect([label.kind, label.pattern]).toEqual(['text', '[A-Z]{2}[0-9]{6}']);
    expect((await answer(label.id, 'ab123456')).body.error.details?.reason).toBe(
      '"ab123456" does not match [A-Z]{2}[0-9]{6}',
    );
    expect((await answer(label.id, 'AB123456')).status).toBe(200);
    const meter = await openPrompt(label.id);
    expect([meter.kind, meter.min, meter.max, meter.unit]).toEqual(['number', 0, 10, 'V']);
    expect((await answer(meter.id, 11)).body.error.details?.reason).toBe('must be at most 10');
    expect((await answer(meter.id, 3.3, LEAD_KEY)).status).toBe(200);

    type Result = {
      status: string;
      overallPass: boolean;
      steps: { name: string; prompts?: Record<string, unknown>[] }[];
    };
    const result = await until(
      async () => {
        const r = await get<Result>(`/api/results/${executionId}`);
        return r.body.status !== 'running' ? r.body : undefined;
      },
      'the run to end',
      20_000,
      50,
    );
    expect(result.overallPass).toBe(true);
    const recorded = result.steps.flatMap((s) =>
      (s.prompts ?? []).map((p) => [s.name, p.kind, p.status, p.answer, p.answeredBy]),
    );
    expect(recorded).toEqual([
      ['insert_unit', 'confirm', 'answered', true, winner],
      ['check_led', 'choice', 'answered', 'green', 'line-pc'],
      ['scan_label', 'text', 'answered', 'AB123456', 'line-pc'],
      ['read_test_point', 'number', 'answered', 3.3, 'lead'],
    ]);
    // Closed for good: a late answer to the first prompt is a 409, not a 404.
    expect((await answer(insert.id, true)).body.error.code).toBe('PROMPT_CLOSED');
  });

  test('an abort cancels the open prompt; the answer that comes after is refused', async () => {
    const { body } = await post<{ executionId: string }>('/api/batches/slot_1/sequence/start', {});
    const prompt = await openPrompt();
    expect(prompt.executionId).toBe(body.executionId);
    expect((await post('/api/batches/slot_1/sequence/stop')).status).toBe(200);
    const late = await answer(prompt.id, true);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe(`prompt ${prompt.id} is closed (cancelled)`);
    const result = await get<{
      status: string;
      steps: { prompts?: { status: string; answer: unknown }[] }[];
    }>(`/api/results/${body.executionId}`);
    expect(result.body.status).toBe('stopped');
    expect(result.body.steps[0]?.prompts?.map((p) => [p.status, p.answer])).toEqual([['cancelled', null]]);
    const detail = await get<{ execution?: unknown }>('/api/batches/slot_1');
    expect(detail.body.execution).toBeUndefined();
  });

  test('a prompt nobody answers fails its step with PROMPT_TIMEOUT, recorded as timed out', async () => {
    const { body } = await post<{ executionId: string }>('/api/batches/slot_2/sequence/start', {});
    const prompt = await openPrompt(undefined, 'slot_2');
    expect(Date.parse(prompt.deadline) - Date.parse(prompt.openedAt)).toBe(1500);
    type Result = {
      status: string;
      steps: { name: string; status: string; error: string | null; prompts?: { status: string }[] }[];
    };
    const result = await until(
      async () => {
        const r = await get<Result>(`/api/results/${body.executionId}`);
        return r.body.status !== 'running' ? r.body : undefined;
      },
      'the unanswered run to end',
      20_000,
      50,
    );
    expect(result.status).toBe('failed');
    expect(result.steps.map((s) => [s.name, s.status, s.error, s.prompts?.map((p) => p.status)])).toEqual([
      ['ask', 'failed', 'PROMPT_TIMEOUT: nobody answered "Anyone there?" within 1.5 s', ['timed_out']],
      ['after', 'skipped', null, undefined],
    ]);
    const late = await post(`/api/batches/slot_2/prompts/${prompt.id}`, { answer: true });
    expect([late.status, late.body.error.message]).toEqual([
      409,
      `prompt ${prompt.id} is closed (timed out)`,
    ]);
  });

  test("prompt images come from the package's assets/ and nowhere else", async () => {
    const ok = await fetch(`${base}/api/sequences/unit_checkout/assets/led.svg`, { headers: headers() });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/svg+xml');
    expect(ok.headers.get('content-security-policy')).toContain('sandbox');
    expect(await ok.text()).toContain('POWER');
    const noKey = await fetch(`${base}/api/sequences/unit_checkout/assets/led.svg`);
    expect(noKey.status).toBe(401);
    // Raw paths (fetch would normalise `..` away before sending): each one is refused, nothing is read. A
    // path the server normalises out of the route needs a route of the roles table, so it is a 403 (fail
    // closed); one that reaches the route is a 404.
    const tries = [
      '/api/sequences/unit_checkout/assets/../manifest.yaml',
      '/api/sequences/unit_checkout/assets/%2e%2e/manifest.yaml',
      '/api/sequences/unit_checkout/assets/%2e%2e%2fsequence.ts',
      '/api/sequences/unit_checkout/assets/..%2f..%2f..%2fstation.yaml',
      '/api/sequences/unit_checkout/assets/nope.svg',
      '/api/sequences/unit_checkout/assets/../drivers/sim_unit.ts',
      '/api/sequences/unit_checkout/assets/%2fetc%2fpasswd',
      '/api/sequences/unit_checkout/assets/led.svg%00.png',
      '/api/sequences/nope/assets/led.svg',
    ];
    const statuses: [string, string, string][] = [];
    for (const path of tries) {
      const { status, body } = await rawGet(path);
      const refused = status === 404 || status === 403 ? 'refused' : `status ${status}`;
      statuses.push([path, refused, body.includes('POWER') || body.includes('steps:') ? 'LEAKED' : 'ok']);
    }
    expect(statuses).toEqual(tries.map((p) => [p, 'refused', 'ok']));
  });
});

/** A GET whose path goes on the wire exactly as written (no URL normalisation). */
async function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(base);
  const received: string[] = [];
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(port),
    socket: {
      data(_s, chunk) {
        received.push(Buffer.from(chunk).toString());
      },
      close() {
        closed.resolve();
      },
    },
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${LINE_KEY}\r\nConnection: close\r\n\r\n`,
  );
  await closed.promise;
  const text = received.join('');
  return { status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}
