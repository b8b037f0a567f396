// Which buttons a batch card offers: only what is legal in the batch's current state, in one fixed
// order, decided here without React so the rule is tested on its own.
import type { BatchStatus } from './types.ts';

/** A button of the batch card. */
export type BatchAction = 'start' | 'start-sequence' | 'abort' | 'acknowledge' | 'restart' | 'stop';

/** What each button says and the request it sends (`null`: opens the start form instead). */
export const ACTIONS: Record<BatchAction, { label: string; path: string | null; className: string }> = {
  start: { label: 'Start process', path: '/start', className: 'btn go' },
  'start-sequence': { label: 'Start sequence', path: null, className: 'btn go' },
  abort: { label: 'Abort sequence', path: '/sequence/stop', className: 'btn stop' },
  acknowledge: { label: 'Acknowledge', path: '/acknowledge', className: 'btn stop' },
  restart: { label: 'Restart process', path: '/restart', className: 'btn' },
  stop: { label: 'Stop process', path: '/stop', className: 'btn' },
};

/**
 * The buttons for `b`. A test in progress offers only Abort: restarting or stopping the process would
 * abort it as a side effect, which the operator must choose on purpose. A slot whose recovery after a
 * crash failed takes no test until someone has made the fixture safe and acknowledges it.
 */
export function batchActions(b: BatchStatus): BatchAction[] {
  if (b.status === 'idle' || b.status === 'error') return ['start'];
  if (b.status !== 'running') return [];
  if (b.sequenceRunning) return ['abort'];
  if (b.lastError?.code === 'RECOVERY_FAILED') return ['acknowledge', 'restart', 'stop'];
  return ['start-sequence', 'restart', 'stop'];
}
