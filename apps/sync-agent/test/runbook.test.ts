// The operators' runbook query, run with the sqlite3 CLI exactly as SPEC §6 writes it, shows each
// outbox state while an agent is working: done, rejected (with the Backend's reason), pending with the
// last error, and in flight with its claim.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { TestBackend } from '../../../tests/backend/server.ts';
import { SyncAgent } from '../src/agent.ts';
import { quietLogger, seedExecutions, settings, type TempStore, tempStore, until } from './support.ts';

let backend: TestBackend;
let tmp: TempStore;
let agent: SyncAgent | undefined;

beforeEach(async () => {
  backend = await TestBackend.start();
  tmp = tempStore();
});
afterEach(async () => {
  await agent?.stop({ deadlineMs: 50 });
  await backend.stop();
  tmp.dispose();
});

test('sqlite3 "SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;" shows every state', async () => {
  const ids = seedExecutions(tmp.store, 4);
  backend.behave({ kind: 'ok' }, 1);
  backend.enqueue({
    behaviour: { kind: 'status', status: 422, body: '{"error":"serial number missing"}' },
    times: 1,
  });
  backend.enqueue({ behaviour: { kind: 'status', status: 503 }, times: 1 });
  backend.enqueue({ behaviour: { kind: 'hang', store: false } });
  const first = new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey, { timeout: 10_000 }),
    logger: quietLogger,
    concurrency: 1,
    agentId: 'sync-agent:first',
  });
  // The 503 pauses this agent: the fourth row waits, unsent, behind the pause.
  expect(await first.syncNow()).toEqual({ synced: 1, failed: 1, rejected: 1, pending: 2 });
  await first.stop();
  // A restarted agent sends the row that is due (the 503 one backs off) and it hangs in flight.
  agent = new SyncAgent({
    store: tmp.store,
    backend: settings(backend.url, backend.apiKey, { timeout: 10_000 }),
    logger: quietLogger,
    concurrency: 1,
    agentId: 'sync-agent:runbook',
  });
  const run = agent.syncNow();
  await until('the fourth request hangs', () => backend.stats().deliveries === 4);

  const proc = Bun.spawn(
    ['sqlite3', tmp.path, 'SELECT * FROM sync_queue ORDER BY created_at DESC LIMIT 10;'],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  const [out, code] = [await new Response(proc.stdout).text(), await proc.exited];
  expect(code).toBe(0);
  // Columns: id|kind|entity_id|status|attempts|next_attempt_at|last_error|last_status|created_at|
  //          updated_at|claimed_by|lease_until|done_at
  const rows = out
    .trim()
    .split('\n')
    .map((line) => line.split('|'))
    .map((c) => ({ entity: c[2], status: c[3], attempts: c[4], error: c[6], http: c[7], claimedBy: c[10] }));
  expect(rows).toEqual([
    {
      entity: ids[3],
      status: 'in_flight',
      attempts: '1',
      error: '',
      http: '',
      claimedBy: 'sync-agent:runbook',
    },
    {
      entity: ids[2],
      status: 'pending',
      attempts: '1',
      error: expect.stringMatching(/^HTTP 503/),
      http: '503',
      claimedBy: '',
    },
    {
      entity: ids[1],
      status: 'rejected',
      attempts: '1',
      error: 'HTTP 422: {"error":"serial number missing"}',
      http: '422',
      claimedBy: '',
    },
    { entity: ids[0], status: 'done', attempts: '1', error: '', http: '', claimedBy: 'sync-agent:first' },
  ]);

  await agent.stop({ deadlineMs: 50 });
  await run;
  agent = undefined;
});
