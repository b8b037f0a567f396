// The demo station (config/station.yaml.example) in a scene an operator would meet mid-shift: units
// passed and failed, one slot waiting for a serial, one asking the operator, one stopped. Shared by the
// screen-size and accessibility tests and scripts/screenshots.ts, so the pictures show what is tested.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchDetail, BatchStatus } from '@station/model';
import { until } from '../../../tests/support/process.ts';
import { REPO } from '../../../tests/support/station.ts';
import { startUiStation, type UiStation } from './station.ts';

export const DEMO_CONFIG = join(REPO, 'config/station.yaml.example');

/** The packages the demo's slots run. */
const PACKAGES = ['psu_functional', 'failure_paths', 'unit_checkout'];

interface DemoBatch {
  id: string;
  name: string;
  sequence_package: string;
  auto_start?: boolean;
  restart?: unknown;
  [key: string]: unknown;
}

/**
 * The demo's slots as a `batches:` value, and more PSU slots after them up to `slots` (a six-slot line).
 * No slot starts by itself and none restarts, so the scene alone decides what each card shows.
 */
export function demoBatches(slots: number): DemoBatch[] {
  const parsed: unknown = Bun.YAML.parse(readFileSync(DEMO_CONFIG, 'utf8'));
  const listed =
    parsed && typeof parsed === 'object' && 'batches' in parsed && Array.isArray(parsed.batches)
      ? (parsed.batches as DemoBatch[])
      : [];
  if (listed.length === 0) throw new Error(`${DEMO_CONFIG} lists no batches`);
  const psu = listed.find((b) => b.sequence_package === 'psu_functional') ?? listed[0]!;
  const batches = listed.slice(0, slots);
  for (let n = batches.length + 1; n <= slots; n++)
    batches.push({ ...psu, id: `batch_${n}`, name: `Slot ${n} - PSU functional` });
  return batches.map((b) => ({ ...b, auto_start: false, restart: { policy: 'never' } }));
}

/** Starts the demo station with `slots` slots (the demo's four, or more). */
export function startDemoStation(slots: number, apiKey?: string): Promise<UiStation> {
  // JSON is YAML: the list goes in as one flow value under `batches:`.
  const yaml = `  ${JSON.stringify(demoBatches(slots))}`;
  return startUiStation(yaml, PACKAGES, apiKey, undefined, undefined, 'Demo Station 01');
}

/** What each slot of the scene shows, by position (slots past the sixth are stopped). */
export const SCENE = ['pass', 'ready', 'fail', 'prompt', 'pass', 'stopped'] as const;
export type SceneSlot = (typeof SCENE)[number];

/** The scene's role of a slot (`batch_N`). */
export function sceneOf(batchId: string): SceneSlot {
  const n = Number.parseInt(batchId.replace(/^\D+/, ''), 10);
  return SCENE[n - 1] ?? 'stopped';
}

/** Serial numbers as a label printer writes them: a line code and a running number. */
const serialOf = (batchId: string) => `KR24A${batchId.replace(/^\D+/, '').padStart(5, '0')}`;

/**
 * Drives the station through its API into the scene: processes started, runs finished with their verdicts,
 * the unit-checkout slot held at its first prompt (a person's pace: it waits minutes, so the picture and
 * the tests see a run in progress without racing it).
 */
export async function setScene(station: UiStation, apiKey?: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers['x-api-key'] = apiKey;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${station.base}/api${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const batches = await call<BatchStatus[]>('GET', '/batches');
  const live = batches.filter((b) => sceneOf(b.id) !== 'stopped');
  await Promise.all(live.map((b) => call('POST', `/batches/${b.id}/start`, {})));
  await Promise.all(
    live.map((b) =>
      until(
        async () => {
          const d = await call<BatchDetail>('GET', `/batches/${b.id}`);
          return d.status === 'running' && d.package !== undefined;
        },
        `${b.id} ready`,
        60_000,
        100,
      ),
    ),
  );
  const run = async (b: BatchStatus, parameters: Record<string, unknown>) => {
    const { executionId } = await call<{ executionId: string }>('POST', `/batches/${b.id}/sequence/start`, {
      parameters,
      operator: 'op-0417',
      dut: { serialNumber: serialOf(b.id) },
    });
    return executionId;
  };
  await Promise.all(
    live.map(async (b) => {
      const role = sceneOf(b.id);
      if (role === 'pass') {
        const id = await run(b, {});
        await until(
          async () => (await call<BatchStatus>('GET', `/batches/${b.id}`)).lastResult?.executionId === id,
          `${b.id}'s run to end`,
          60_000,
          100,
        );
      } else if (role === 'fail') {
        const id = await run(b, { path: 'limit_failure' });
        await until(
          async () => (await call<BatchStatus>('GET', `/batches/${b.id}`)).lastResult?.executionId === id,
          `${b.id}'s run to end`,
          60_000,
          100,
        );
      } else if (role === 'prompt') {
        await run(b, {});
        await until(
          async () => (await call<BatchDetail>('GET', `/batches/${b.id}`)).execution?.prompt,
          `${b.id}'s prompt`,
          60_000,
          100,
        );
      }
    }),
  );
}

/**
 * Opens the scene's operator prompt again if it has timed out (the unit-checkout step gives the operator
 * five minutes; a long test run outlasts that): a new unit on the same slot, held at its first question.
 */
export async function keepPromptOpen(station: UiStation, apiKey?: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers['x-api-key'] = apiKey;
  const id = SCENE_PROMPT_SLOT;
  const detail = async () =>
    (await (await fetch(`${station.base}/api/batches/${id}`, { headers })).json()) as BatchDetail;
  const now = await detail();
  if (now.execution?.prompt) return;
  // A run still ending (its prompt just timed out) must finish before the next starts.
  await until(async () => !(await detail()).sequenceRunning, `${id} between runs`, 60_000, 100);
  const res = await fetch(`${station.base}/api/batches/${id}/sequence/start`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ parameters: {}, operator: 'op-0417', dut: { serialNumber: serialOf(id) } }),
  });
  if (!res.ok) throw new Error(`restarting ${id}'s prompt: ${res.status} ${await res.text()}`);
  await until(async () => (await detail()).execution?.prompt, `${id}'s prompt`, 60_000, 100);
}

/** The slot the scene holds at an operator prompt. */
export const SCENE_PROMPT_SLOT = `batch_${SCENE.indexOf('prompt') + 1}`;
