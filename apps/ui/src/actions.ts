// Which buttons a batch card offers: only what is legal in the batch's current state, in one fixed
// order, decided here without React so the rule is tested on its own.
import { t } from './i18n.ts';
import type { BatchStatus } from './types.ts';

/** A button of the batch card. */
export type BatchAction = 'start' | 'start-sequence' | 'abort' | 'acknowledge' | 'restart' | 'stop';

/** The request each button sends (`null`: opens the start form instead); its words are `action.<name>`. */
export const ACTIONS: Record<BatchAction, { path: string | null; className: string }> = {
  start: { path: '/start', className: 'btn go' },
  'start-sequence': { path: null, className: 'btn go' },
  abort: { path: '/sequence/stop', className: 'btn stop' },
  acknowledge: { path: '/acknowledge', className: 'btn stop' },
  restart: { path: '/restart', className: 'btn' },
  stop: { path: '/stop', className: 'btn' },
};

/** What the button says, in the page's language. */
export function actionLabel(action: BatchAction): string {
  return t(`action.${action}`);
}

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
