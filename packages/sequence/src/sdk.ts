// The step author's and driver author's types. `sequence.ts` files import these with `import type` only,
// so a package never depends on this module at run time.
import type { TSchema } from '@sinclair/typebox';

/** A runtime parameter value; manifests declare which of these each parameter is. */
export type ParamValue = number | string | boolean;

/** Resolved runtime parameters, by name. */
export type Params = Record<string, ParamValue>;

/** The value types a simple field schema can declare. */
export type FieldType = 'number' | 'integer' | 'string' | 'boolean';

/** One field of a simple schema: used for command parameters and hardware options. */
export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  default?: ParamValue;
  /** Inclusive bounds for number/integer fields. */
  min?: number;
  max?: number;
  enum?: readonly ParamValue[];
  unit?: string;
  description?: string;
}

/** A simple schema: field name -> spec. Plain data, so it serialises as-is for the manual-mode UI. */
export type SimpleSchema = Record<string, FieldSpec>;

/** What a command's parameters may be described with: a simple schema or a TypeBox object schema. */
export type CommandParamsSchema = SimpleSchema | TSchema;

/** What a command receives besides its parameters. */
export interface CommandContext {
  /** Fires when the step (or the manual request) is aborted or times out; long commands must honour it. */
  signal: AbortSignal;
}

/** One named operation of a driver; manual mode lists these and validates `params` before `run`. */
export interface DriverCommand {
  description: string;
  params: CommandParamsSchema;
  run(params: Record<string, unknown>, ctx: CommandContext): Promise<unknown> | unknown;
}

/** An instrument connection. Created unconnected by its definition; the runner connects it. */
export interface Driver {
  connect(ctx: CommandContext): Promise<void> | void;
  disconnect(): Promise<void> | void;
  commands: Record<string, DriverCommand>;
  /** Puts the equipment in a safe state (outputs off). Called when a sequence ends abnormally. */
  safeState?(): Promise<void> | void;
}

/** What a driver factory gets besides its options. */
export interface DriverEnv {
  /** The hardware name this instance serves, e.g. `psu`. */
  name: string;
  /** Another instance of the same hardware set, by hardware name (a DMM reading a PSU, say). */
  peer(name: string): Driver | undefined;
}

/** A driver module's default export: `export default { description, options, create }`. */
export interface DriverDefinition {
  description?: string;
  /** Options the driver understands; when given, unknown option names are rejected. */
  options?: SimpleSchema;
  create(options: Record<string, unknown>, env: DriverEnv): Driver;
}

/**
 * A connected instrument as a step sees it: commands are called by name, parameters validated, the
 * step's abort signal passed along, and driver failures turned into HARDWARE_ERROR.
 * @example const volts = await ctx.hardware.dmm.run<number>('measure_voltage');
 */
export interface Instrument {
  /** Hardware name (`psu`). */
  readonly name: string;
  /** Driver name (`sim_psu`). */
  readonly driverName: string;
  /** The raw driver, for what commands do not cover. Calls through it bypass validation and mapping. */
  readonly driver: Driver;
  run<T = unknown>(command: string, params?: Record<string, unknown>): Promise<T>;
}

/** A log line from a step; reaches the UI as a `log` event. */
export interface StepLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What every prompt may take besides its message. */
export interface PromptOptions {
  /** A picture for the operator: a file of the package under `assets/`, such as `assets/led.svg`. */
  image?: string;
  /** How long the operator has (ms, or a duration such as `'90s'`); the step's timeout by default. */
  timeout?: number | string;
}

/** Options of `ctx.prompt.text`. */
export interface TextPromptOptions extends PromptOptions {
  /** A regular expression the whole answer must match, such as `'^SN[0-9]{6}$'`. */
  pattern?: string;
}

/** Options of `ctx.prompt.number`. */
export interface NumberPromptOptions extends PromptOptions {
  /** Inclusive bounds of the answer. */
  min?: number;
  max?: number;
  unit?: string;
}

/**
 * Questions a step asks the operator at the station. Each waits for the answer (from the UI or the REST
 * API) and resolves with it; it rejects with PROMPT_TIMEOUT when nobody answers in time and with ABORTED
 * when the sequence is aborted. While a prompt is open the step's own timeout is paused: the time a person
 * takes is bounded by the prompt's timeout instead.
 * @example if (!(await ctx.prompt.confirm('Is the LED green?', { image: 'assets/led.svg' }))) throw new Error('LED not green');
 */
export interface StepPrompt {
  /** A yes/no question; true for yes. */
  confirm(message: string, options?: PromptOptions): Promise<boolean>;
  /** One of `choices`, as given. */
  choice<C extends string>(message: string, choices: readonly C[], options?: PromptOptions): Promise<C>;
  /** Free text, checked against `pattern` when given. */
  text(message: string, options?: TextPromptOptions): Promise<string>;
  /** A number, checked against `min`/`max` when given. */
  number(message: string, options?: NumberPromptOptions): Promise<number>;
}

/** The unit under test as a step sees it. */
export interface StepDut {
  /** Its serial number: from the start, or set by an earlier step; null while unknown. */
  readonly serialNumber: string | null;
  readonly partNumber: string | null;
  readonly revision: string | null;
  readonly lot: string | null;
  /**
   * Records the serial number this step read from the unit itself (a label, an EEPROM); the execution
   * stores it with this step's name as its source. Throws BAD_SERIAL when the manifest's `dut` block
   * refuses it (serial: none, or not matching serial_pattern), which fails the step.
   * @example ctx.dut.setSerial(await ctx.hardware.fixture!.run<string>('read_serial'));
   */
  setSerial(serialNumber: string): void;
}

/** Everything a step function receives. */
export interface StepContext {
  /** Resolved runtime parameters (request > batch defaults > manifest defaults). */
  params: Params;
  /** Connected instruments by hardware name. */
  hardware: Record<string, Instrument>;
  /** Records a measurement; declared ones are checked against their manifest limits after the step. */
  measure(name: string, value: number | boolean | string): void;
  log: StepLogger;
  /** Fires on sequence abort and on this step's timeout. */
  signal: AbortSignal;
  /** Waits `ms`, rejecting at once when `signal` fires. */
  sleep(ms: number): Promise<void>;
  /** Asks the operator and waits for the answer. */
  prompt: StepPrompt;
  executionId: string;
  batchId: string;
  /** Name of the running step and which attempt this is (1-based). */
  step: string;
  attempt: number;
  /** The unit under test. */
  dut: StepDut;
}

/** A step function: a named export of `sequence.ts` whose name is listed in the manifest's steps. */
export type StepFunction = (ctx: StepContext) => Promise<unknown> | unknown;

/** Identity helper that gives a driver module's default export its type. */
export function defineDriver(definition: DriverDefinition): DriverDefinition {
  return definition;
}
