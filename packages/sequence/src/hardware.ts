// Builds and connects a package's hardware from the batch's configuration: plans it (hardware-plan.ts:
// drivers and checked options), connects in manifest order, and undoes partial connects when one fails.
import { messageOf, SequenceError } from './errors.ts';
import { type HardwareConfigMap, planHardware } from './hardware-plan.ts';
import type { LoadedPackage } from './loader.ts';
import type { Driver } from './sdk.ts';

export type { HardwareConfigMap } from './hardware-plan.ts';

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
  const { undeclared, problems, entries: plan } = await planHardware(pkg, config);
  if (undeclared.length > 0) {
    throw new SequenceError(
      'UNKNOWN_HARDWARE',
      `hardware not declared by ${pkg.manifest.name}: ${undeclared.join(', ')}`,
      {
        details: { unknown: undeclared, available: Object.keys(pkg.manifest.hardware) },
      },
    );
  }
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.hardware}.${p.option} ${p.message}`).join('; ');
    throw new SequenceError('INVALID_HARDWARE_CONFIG', `invalid hardware configuration: ${list}`, {
      details: { problems: problems.map(({ hardware, option, message }) => ({ hardware, option, message })) },
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
