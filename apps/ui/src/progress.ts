// How far a run is, by time rather than by step count: a 5 s step of six is not 17 % of the run when the
// other five take 0.1 s each. Each step weighs what it took in the batch's last completed run of the same
// sequence (its past duration); the running step counts up from its start towards that weight. Without a
// past run every step weighs the same and the running step creeps towards its share, never past it.
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { ExecutionResult, ResultPage } from './types.ts';

/** What the running step is and since when; durations in seconds. */
export interface RunPosition {
  /** 0-based manifest position of the running step. */
  stepIndex: number;
  totalSteps: number;
  /** Seconds the running step has taken so far. */
  stepElapsed: number;
}

/** Expected seconds of each step by manifest position (a past run's durations); empty when unknown. */
export type StepWeights = readonly number[];

/** Shortest weight a step gets: a step of 0 s still moves the bar when it ends. */
const MIN_WEIGHT = 0.05;
/** The running step never fills more than this share of its weight: it is not done until it ends. */
const STEP_CEILING = 0.95;
/** Time constant (s) of the creep of a step with no past duration. */
const UNKNOWN_STEP_S = 5;

/**
 * The run's progress (0..1) at `pos`: the weights of the steps before it, plus the share of the running
 * step's weight its elapsed time has used (capped below 1, as the step is still going).
 */
export function timeProgress(pos: RunPosition, weights: StepWeights): number {
  const { stepIndex, totalSteps } = pos;
  if (totalSteps <= 0) return 0;
  const known = weights.length === totalSteps;
  const w = (i: number) => (known ? Math.max(weights[i] ?? 0, MIN_WEIGHT) : 1);
  let total = 0;
  for (let i = 0; i < totalSteps; i++) total += w(i);
  let done = 0;
  for (let i = 0; i < Math.min(stepIndex, totalSteps); i++) done += w(i);
  if (stepIndex >= totalSteps) return 1;
  const elapsed = Math.max(0, pos.stepElapsed);
  const share = known
    ? Math.min(elapsed / w(stepIndex), STEP_CEILING)
    : STEP_CEILING * (1 - Math.exp(-elapsed / UNKNOWN_STEP_S));
  return Math.min(1, (done + share * w(stepIndex)) / total);
}

/** The step durations of a stored run, by manifest position; empty when it does not list every step. */
export function weightsOf(
  run: { steps: readonly { order: number; duration?: number | null }[] },
  totalSteps: number,
): number[] {
  const byOrder = new Map(run.steps.map((s) => [s.order, s.duration]));
  const weights: number[] = [];
  for (let i = 0; i < totalSteps; i++) {
    const d = byOrder.get(i);
    if (d === undefined || d === null || !Number.isFinite(d)) return [];
    weights.push(d);
  }
  return weights;
}

/** Past durations per batch and sequence, shared by every card and the detail page of this page. */
const cache = new Map<string, Promise<number[]>>();

/** The weights of `batchId`'s last completed run of `sequence` with `totalSteps` steps (cached). */
function loadWeights(
  batchId: string,
  sequence: string,
  totalSteps: number,
  after: string,
): Promise<number[]> {
  const key = `${batchId}|${sequence}|${totalSteps}|${after}`;
  let found = cache.get(key);
  if (!found) {
    const query = new URLSearchParams({ batchId, sequence, status: 'completed', pageSize: '1' });
    found = api<ResultPage>('GET', `/results?${query}`)
      .then((page) => {
        const last = page.items[0];
        return last ? api<ExecutionResult>('GET', `/results/${encodeURIComponent(last.id)}`) : undefined;
      })
      .then((run) => (run ? weightsOf(run, totalSteps) : []))
      .catch(() => []);
    cache.set(key, found);
  }
  return found;
}

/**
 * The step weights of the run in progress on `batchId`: fetched once per run from the batch's last
 * completed run of the same sequence; empty (equal weights) until they arrive or when there is none.
 */
export function useStepWeights(
  batchId: string,
  sequence: string | undefined,
  totalSteps: number | undefined,
  executionId: string | undefined,
): StepWeights {
  const [weights, setWeights] = useState<{ key: string; w: number[] }>({ key: '', w: [] });
  const key =
    sequence && totalSteps && executionId ? `${batchId}|${sequence}|${totalSteps}|${executionId}` : '';
  useEffect(() => {
    if (!key || !sequence || !totalSteps || !executionId) return;
    let alive = true;
    void loadWeights(batchId, sequence, totalSteps, executionId).then((w) => {
      if (alive) setWeights({ key, w });
    });
    return () => {
      alive = false;
    };
  }, [key, batchId, sequence, totalSteps, executionId]);
  return weights.key === key ? weights.w : [];
}
