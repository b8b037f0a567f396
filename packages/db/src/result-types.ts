// The API shapes of results (SPEC §4 ExecutionResult / StepResult, camelCase), as the gateway serves them
// and the sync agent posts them to the Backend. Absent values are `null`, never missing, so a JSON body
// always has the same keys.
import type { ExecutionRow, ExecutionStatus, JsonValue, StepStatus } from './schema.ts';

/** A measured value: numbers for readings, strings and booleans for `equals` checks. */
export type MeasuredValue = number | string | boolean | null;

/** One measurement of a step with the limits it was judged against. */
export interface Measurement {
  name: string;
  value: MeasuredValue;
  unit: string | null;
  low: number | null;
  high: number | null;
  equals: JsonValue | null;
  pass: boolean;
}

/** A question a step asked the operator, with the answer (SPEC: prompts recorded with the step). */
export interface PromptRecord {
  id: string;
  kind: string;
  message: string;
  options?: JsonValue;
  pattern?: JsonValue;
  min?: JsonValue;
  max?: JsonValue;
  unit?: JsonValue;
  image?: JsonValue;
  openedAt: string;
  deadline: string;
  status: string;
  answer: JsonValue | null;
  answeredBy: string | null;
  closedAt: string | null;
}

/** One step of an execution, with its measurements in the order they were taken. */
export interface StepResult {
  name: string;
  order: number;
  status: StepStatus;
  pass: boolean;
  startedAt: string | null;
  completedAt: string | null;
  /** Seconds. */
  duration: number | null;
  attempts: number;
  result: JsonValue | null;
  error: string | null;
  measurements: Measurement[];
  /** What the step asked the operator, oldest first; only on steps that asked. */
  prompts?: PromptRecord[];
}

/** An execution without its steps: one row of the results list. */
export type ExecutionSummary = ExecutionRow;

/** A whole execution: what `GET /api/results/:id` answers and what is sent to the Backend. */
export interface ExecutionResult extends ExecutionSummary {
  status: ExecutionStatus;
  steps: StepResult[];
}
