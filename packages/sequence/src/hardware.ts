// Builds and connects a package's hardware from the batch's configuration: resolves each driver,
// checks options, connects in manifest order, and undoes partial connects when one fails.
import { findDriver } from './driver-check.ts';
import { messageOf, SequenceError } from './errors.ts';
import { checkField, describeValue } from './fields.ts';
import type { LoadedPackage } from './loader.ts';
import type { Driver, DriverDefinition, SimpleSchema } from './sdk.ts';

/**
 * The batch config's hardware section: hardware name -> driver plus driver options. Readonly, so
 * `@station/config`'s `BatchConfig['hardware']` can be passed as-is.
 */
export type HardwareConfigMap = Readonly<
  Record<string, { readonly driver: string; readonly [option: string]: unknown }>
>;

/** Connected drivers of one batch, and the way to put them away. */
export interface HardwareSet {
  /** Connected drivers by hardware name; pass to `runSequence` and `runManualCommand`. */
  drivers: Record<string, Driver>;
  /** Driver name used for each hardware name. */
  driverNames: Record<string, string>;
  /** Calls every driver's safeState(); failures are collected, never thrown. */
  safeState(): Promise<{ hardware: string; message: string }[]>;
  /** Disconnects every driver; failures are collected, never thrown. */
  close(): Promise<{ hardware: string; message: string }[]>;
}

interface OptionProblem {
  hardware: string;
  option: string;
  message: string;
}

function mergeOptions(
  hardware: string,
  declared: SimpleSchema,
  driverSchema: SimpleSchema | undefined,
  given: Record<string, unknown>,
  problems: OptionProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The manifest's declarations first, then the driver's own: a package may tighten or default an option.
  for (const schema of [driverSchema ?? {}, declared]) {
    for (const [name, spec] of Object.entries(schema))
      if (spec.default !== undefined) out[name] = spec.default;
  }
  Object.assign(out, given);
  for (const schema of [declared, driverSchema ?? {}]) {
    for (const [name, spec] of Object.entries(schema)) {
      const value = out[name];
      if (value === undefined) {
        if (spec.required) problems.push({ hardware, option: name, message: 'is required' });
        continue;
      }
      const bad = checkField(spec, value);
      if (bad) problems.push({ hardware, option: name, message: bad.message });
    }
  }
  // A driver that declares its options rejects the rest, so a typo (`nosie: 0.1`) is not silently ignored.
  if (driverSchema) {
    for (const name of Object.keys(given)) {
      if (!(name in driverSchema) && !(name in declared)) {
        const known = Object.keys(driverSchema).join(', ');
        problems.push({
          hardware,
          option: name,
          message: `unknown option ${describeValue(given[name])} (known: ${known})`,
        });
      }
    }
  }
  return out;
}

async function disconnectAll(drivers: Record<string, Driver>) {
  const failures: { hardware: string; message: string }[] = [];
  for (const [hardware, d] of Object.entries(drivers).reverse()) {
    try {
      await d.disconnect();
    } catch (err) {
      failures.push({ hardware, message: messageOf(err) });
    }
  }
  return failures;
}

/**
 * Creates and connects the package's hardware. The batch config may replace a hardware entry's driver
 * (a real instrument instead of a simulator) and adds options; entries the manifest does not declare are
 * refused (UNKNOWN_HARDWARE). Bad options: INVALID_HARDWARE_CONFIG; a failed connect: HARDWARE_ERROR
 * (already connected drivers are disconnected first).
 */
export async function openHardware(
  pkg: LoadedPackage,
  config: HardwareConfigMap = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<HardwareSet> {
  const declared = pkg.manifest.hardware;
  const extra = Object.keys(config).filter((name) => !Object.hasOwn(declared, name));
  if (extra.length > 0) {
    throw new SequenceError(
      'UNKNOWN_HARDWARE',
      `hardware not declared by ${pkg.manifest.name}: ${extra.join(', ')}`,
      {
        details: { unknown: extra, available: Object.keys(declared) },
      },
    );
  }
  const problems: OptionProblem[] = [];
  const plan: {
    name: string;
    driverName: string;
    def: DriverDefinition;
    options: Record<string, unknown>;
  }[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const entry = (config[name] ?? { driver: spec.driver }) as { driver: string } & Record<string, unknown>;
    const { driver: configured, ...given } = entry;
    const driverName = configured || spec.driver;
    let def = pkg.drivers[driverName];
    if (!def) {
      const found = await findDriver(pkg.dir, driverName, pkg.hash);
      if (!found.ok) {
        problems.push({ hardware: name, option: 'driver', message: found.message });
        continue;
      }
      def = found.definition;
    }
    plan.push({
      name,
      driverName,
      def,
      options: mergeOptions(name, spec.options, def.options, given, problems),
    });
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.hardware}.${p.option} ${p.message}`).join('; ');
    throw new SequenceError('INVALID_HARDWARE_CONFIG', `invalid hardware configuration: ${list}`, {
      details: { problems },
    });
  }

  const drivers: Record<string, Driver> = {};
  const driverNames: Record<string, string> = {};
  const peer = (name: string) => drivers[name];
  for (const p of plan) {
    drivers[p.name] = p.def.create(p.options, { name: p.name, peer });
    driverNames[p.name] = p.driverName;
  }
  const connected: Record<string, Driver> = {};
  for (const p of plan) {
    const driver = drivers[p.name] as Driver;
    try {
      await driver.connect({ signal });
      connected[p.name] = driver;
    } catch (err) {
      await disconnectAll(connected);
      throw new SequenceError(
        'HARDWARE_ERROR',
        `${p.name} (${p.driverName}): connect failed: ${messageOf(err)}`,
        {
          details: { hardware: p.name, driver: p.driverName },
          cause: err,
        },
      );
    }
  }
  return {
    drivers,
    driverNames,
    safeState: () => safeStateAll(drivers),
    close: () => disconnectAll(drivers),
  };
}

/** Calls safeState() on every driver that has one, in reverse order; failures are returned, not thrown. */
export async function safeStateAll(
  drivers: Record<string, Driver>,
): Promise<{ hardware: string; message: string }[]> {
  const failures: { hardware: string; message: string }[] = [];
  for (const [hardware, d] of Object.entries(drivers).reverse()) {
    if (!d.safeState) continue;
    try {
      await d.safeState();
    } catch (err) {
      failures.push({ hardware, message: messageOf(err) });
    }
  }
  return failures;
}
