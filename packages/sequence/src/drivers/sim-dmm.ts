// sim_dmm: a simulated digital multimeter whose readings follow a simulated supply (`source: psu`).
import type { Driver, DriverDefinition, DriverEnv } from '../sdk.ts';
import { SIM_OPTIONS, SimInstrument } from './sim-common.ts';
import { isSimulatedSource } from './sim-psu.ts';

/** The sim_dmm driver definition. */
export const simDmm: DriverDefinition = {
  description: 'Simulated multimeter measuring the output of a simulated supply',
  options: {
    ...SIM_OPTIONS,
    source: { type: 'string', description: 'hardware name of the sim_psu it is wired to' },
    ripple: {
      type: 'number',
      default: 0.005,
      min: 0,
      unit: 'Vpp',
      description: 'ripple on an enabled output',
    },
  },
  create(options, env: DriverEnv): Driver {
    const sim = new SimInstrument(`sim_dmm ${env.name}`, options);
    const source = typeof options.source === 'string' ? options.source : undefined;
    const ripple = typeof options.ripple === 'number' ? options.ripple : 0.005;

    // Looked up at read time, not at create time, because the supply may be created after the meter.
    const probe = () => {
      if (source === undefined) return { on: false, voltage: 0, current: 0 };
      const peer = env.peer(source);
      if (!isSimulatedSource(peer))
        throw new Error(`${env.name}: source "${source}" is not a simulated supply`);
      return peer.simulatedOutput();
    };
    const reading = (name: string, pick: (o: ReturnType<typeof probe>) => number, scale = 1) => ({
      description: `Measure ${name}`,
      params: {},
      async run(_p: Record<string, unknown>, ctx: { signal: AbortSignal }) {
        await sim.gate(`measure_${name}`, ctx);
        const o = probe();
        return o.on ? sim.jitter(pick(o), scale) : sim.jitter(0, scale);
      },
    });

    return {
      connect: (ctx) => sim.connect(ctx),
      disconnect() {
        sim.connected = false;
      },
      commands: {
        measure_voltage: reading('voltage', (o) => o.voltage),
        measure_current: reading('current', (o) => o.current, 0.01),
        measure_ripple: {
          description: 'Measure peak-to-peak ripple (Vpp)',
          params: {},
          async run(_p, ctx) {
            await sim.gate('measure_ripple', ctx);
            // Ripple varies ±10 % between readings; an off output shows none.
            return probe().on ? ripple * (0.9 + 0.2 * sim.random()) : 0;
          },
        },
      },
    };
  },
};
