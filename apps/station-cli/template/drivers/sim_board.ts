// A simulated board with a 3.3 V regulator that needs about 1.2 V of headroom: replace it with the driver
// of your instrument (or name a built-in driver in manifest.yaml) when the real hardware is there.
import type { Driver, DriverDefinition } from '@station/sequence';

const REGULATED = 3.3;
const DROPOUT = 1.2;

const definition: DriverDefinition = {
  description: 'Simulated board: a 3.3 V regulator fed by the supply voltage',
  options: { noise: { type: 'number', default: 0.005, min: 0, unit: 'V', description: 'reading noise, ±' } },
  create(options): Driver {
    const noise = typeof options.noise === 'number' ? options.noise : 0;
    let supply = 0;
    return {
      connect() {},
      disconnect() {},
      safeState() {
        supply = 0;
      },
      commands: {
        power_on: {
          description: 'Power the board with a supply voltage',
          params: { voltage: { type: 'number', required: true, min: 0, max: 12, unit: 'V' } },
          run(p) {
            supply = p.voltage as number;
            return { supply };
          },
        },
        power_off: {
          description: 'Remove power',
          params: {},
          run() {
            supply = 0;
            return { supply };
          },
        },
        read_rail: {
          description: 'Voltage of the 3.3 V rail',
          params: {},
          run() {
            const rail = Math.max(0, Math.min(REGULATED, supply - DROPOUT));
            return rail === 0 ? 0 : rail + (Math.random() * 2 - 1) * noise;
          },
        },
      },
    };
  },
};

export default definition;
