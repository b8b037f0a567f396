// The built-in drivers, addressable by name from any manifest or batch config.
import type { DriverDefinition } from '../sdk.ts';
import { simDmm } from './sim-dmm.ts';
import { simPsu } from './sim-psu.ts';

/** Built-in driver definitions by name; a package's own `drivers/<name>.ts` takes precedence. */
export const BUILTIN_DRIVERS: Readonly<Record<string, DriverDefinition>> = Object.freeze({
  sim_psu: simPsu,
  sim_dmm: simDmm,
});

export { seededRandom } from './sim-common.ts';
export { isSimulatedSource, type SimulatedSource } from './sim-psu.ts';
