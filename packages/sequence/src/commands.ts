// Driver commands as steps and manual mode use them: listing, parameter validation, and one call path
// that turns any driver failure into HARDWARE_ERROR while letting aborts through untouched.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isSequenceError, messageOf, SequenceError } from './errors.ts';
import { checkField, describeValue } from './fields.ts';
import type { CommandParamsSchema, Driver, DriverCommand, Instrument, SimpleSchema } from './sdk.ts';
import { abortReason } from './sleep.ts';

/** One bad command parameter. */
export interface ParamProblem {
  parameter: string;
  message: string;
  expected?: string;
  found?: string;
}

/** A command as manual mode lists it. */
export interface CommandInfo {
  hardware: string;
  command: string;
  description: string;
  params: CommandParamsSchema;
}

function isTypeBox(schema: CommandParamsSchema): schema is TSchema {
  return Kind in schema;
}

function checkSimple(schema: SimpleSchema, params: Record<string, unknown>) {
  const value: Record<string, unknown> = {};
  const problems: ParamProblem[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const given = params[name];
    if (given === undefined) {
      if (spec.default !== undefined) value[name] = spec.default;
      else if (spec.required) problems.push({ parameter: name, message: 'is required', expected: spec.type });
      continue;
    }
    const bad = checkField(spec, given);
    if (bad) problems.push({ parameter: name, ...bad });
    else value[name] = given;
  }
  for (const name of Object.keys(params)) {
    if (!(name in schema)) {
      const known = Object.keys(schema);
      problems.push({
        parameter: name,
        message: `unknown parameter (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
        found: describeValue(params[name]),
      });
    }
  }
  return { value, problems };
}

function checkTypeBox(schema: TSchema, params: Record<string, unknown>) {
  const value = Value.Default(schema, structuredClone(params)) as Record<string, unknown>;
  const problems: ParamProblem[] = [...Value.Errors(schema, value)].map((e) => ({
    parameter: e.path.replace(/^\//, '').replace(/\//g, '.') || '(params)',
    message: e.message,
    found: describeValue(e.value),
  }));
  return { value, problems };
}

/**
 * Checks `params` against a command's schema and fills defaults; throws BAD_REQUEST naming each bad
 * parameter (`details.parameters`).
 */
export function validateCommandParams(
  command: Pick<DriverCommand, 'params'>,
  params: unknown,
  label = 'command',
): Record<string, unknown> {
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new SequenceError('BAD_REQUEST', `${label}: params must be an object`, {
      details: {
        parameters: [{ parameter: '(params)', message: 'expected an object', found: describeValue(params) }],
      },
    });
  }
  const given = (params ?? {}) as Record<string, unknown>;
  const { value, problems } = isTypeBox(command.params)
    ? checkTypeBox(command.params, given)
    : checkSimple(command.params, given);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.parameter} ${p.message}`).join('; ');
    throw new SequenceError('BAD_REQUEST', `${label}: invalid parameters: ${list}`, {
      details: { parameters: problems },
    });
  }
  return value;
}

/** Every command of every driver, in hardware then command order, for manual mode's menu. */
export function listCommands(drivers: Record<string, Driver>): CommandInfo[] {
  const out: CommandInfo[] = [];
  for (const [hardware, driver] of Object.entries(drivers)) {
    for (const [command, c] of Object.entries(driver.commands)) {
      out.push({ hardware, command, description: c.description, params: c.params });
    }
  }
  return out;
}

/**
 * Runs `command` on `driver` with validated params. Throws UNKNOWN_COMMAND (listing what exists),
 * BAD_REQUEST, the signal's reason when aborted, or HARDWARE_ERROR for anything the driver throws.
 */
export async function runCommand(
  hardware: string,
  driver: Driver,
  command: string,
  params: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const cmd = Object.hasOwn(driver.commands, command) ? driver.commands[command] : undefined;
  if (!cmd) {
    const available = Object.keys(driver.commands);
    throw new SequenceError('UNKNOWN_COMMAND', `${hardware} has no command "${command}"`, {
      details: { hardware, command, available },
    });
  }
  const valid = validateCommandParams(cmd, params, `${hardware}.${command}`);
  if (signal.aborted) throw abortReason(signal);
  try {
    return await cmd.run(valid, { signal });
  } catch (err) {
    if (signal.aborted) throw abortReason(signal);
    // A driver that already classified its failure (HARDWARE_ERROR with details, say) keeps its code.
    if (isSequenceError(err)) throw err;
    throw new SequenceError('HARDWARE_ERROR', `${hardware}.${command}: ${messageOf(err)}`, {
      details: { hardware, command },
      cause: err,
    });
  }
}

/**
 * Manual mode's entry: finds the hardware, then runs the command (see `runCommand`). Throws
 * UNKNOWN_HARDWARE listing the hardware that exists.
 */
export function runManualCommand(
  drivers: Record<string, Driver>,
  hardware: string,
  command: string,
  params: unknown,
  signal: AbortSignal = new AbortController().signal,
): Promise<unknown> {
  const driver = Object.hasOwn(drivers, hardware) ? drivers[hardware] : undefined;
  if (!driver) {
    const available = Object.keys(drivers);
    return Promise.reject(
      new SequenceError('UNKNOWN_HARDWARE', `no hardware named "${hardware}"`, {
        details: { hardware, available },
      }),
    );
  }
  return runCommand(hardware, driver, command, params, signal);
}

/** Wraps a connected driver as the `Instrument` a step sees, bound to the step's signal. */
export function instrument(
  name: string,
  driverName: string,
  driver: Driver,
  signal: AbortSignal,
): Instrument {
  return {
    name,
    driverName,
    driver,
    run: <T>(command: string, params?: Record<string, unknown>) =>
      runCommand(name, driver, command, params, signal) as Promise<T>,
  };
}
