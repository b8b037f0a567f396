// sim_psu: a simulated bench power supply with a resistive load. Constant-voltage until the load would
// draw more than the current limit, then constant-current, as a real supply behaves.
import type { Driver, DriverDefinition } from '../sdk.ts';
import { SIM_OPTIONS, SimInstrument } from './sim-common.ts';

/** What a simulated supply exposes to a simulated meter reading it (`sim_dmm` with `source`). */
export interface SimulatedSource {
  simulatedOutput(): { on: boolean; voltage: number; current: number };
}

/** True when a driver is a simulated source a meter can follow. */
export function isSimulatedSource(driver: unknown): driver is SimulatedSource {
  return typeof (driver as Partial<SimulatedSource> | undefined)?.simulatedOutput === 'function';
}

/** The sim_psu driver definition. */
export const simPsu: DriverDefinition = {
  description: 'Simulated programmable power supply driving a resistive load',
  options: {
    ...SIM_OPTIONS,
    load_ohms: { type: 'number', default: 100, min: 0.001, unit: 'Ω', description: 'load resistance' },
    max_voltage: { type: 'number', default: 30, min: 0, unit: 'V', description: 'highest settable voltage' },
    max_current: { type: 'number', default: 5, min: 0, unit: 'A', description: 'highest settable limit' },
  },
  create(options, env): Driver & SimulatedSource {
    const sim = new SimInstrument(`sim_psu ${env.name}`, options);
    const load = typeof options.load_ohms === 'number' ? options.load_ohms : 100;
    const maxV = typeof options.max_voltage === 'number' ? options.max_voltage : 30;
    const maxI = typeof options.max_current === 'number' ? options.max_current : 5;
    const state = { setpoint: 0, limit: 1, on: false };

    const output = () => {
      if (!state.on) return { on: false, voltage: 0, current: 0, mode: 'off' as const };
      const wanted = state.setpoint / load;
      if (wanted <= state.limit)
        return { on: true, voltage: state.setpoint, current: wanted, mode: 'cv' as const };
      return { on: true, voltage: state.limit * load, current: state.limit, mode: 'cc' as const };
    };
    const inRange = (what: string, value: number, max: number, unit: string) => {
      if (value < 0 || value > max) throw new Error(`${what} ${value} ${unit} outside 0..${max} ${unit}`);
    };

    return {
      connect: (ctx) => sim.connect(ctx),
      disconnect() {
        sim.connected = false;
      },
      safeState() {
        state.on = false;
      },
      simulatedOutput: () => output(),
      commands: {
        set_voltage: {
          description: 'Set the output voltage setpoint',
          params: { voltage: { type: 'number', required: true, min: 0, unit: 'V' } },
          async run(p, ctx) {
            await sim.gate('set_voltage', ctx);
            inRange('voltage', p.voltage as number, maxV, 'V');
            state.setpoint = p.voltage as number;
            return { voltage: state.setpoint };
          },
        },
        set_current_limit: {
          description: 'Set the output current limit',
          params: { current: { type: 'number', required: true, min: 0, unit: 'A' } },
          async run(p, ctx) {
            await sim.gate('set_current_limit', ctx);
            inRange('current limit', p.current as number, maxI, 'A');
            state.limit = p.current as number;
            return { current: state.limit };
          },
        },
        output_on: {
          description: 'Enable the output',
          params: {},
          async run(_p, ctx) {
            await sim.gate('output_on', ctx);
            state.on = true;
            return { output: true };
          },
        },
        output_off: {
          description: 'Disable the output',
          params: {},
          async run(_p, ctx) {
            await sim.gate('output_off', ctx);
            state.on = false;
            return { output: false };
          },
        },
        measure_voltage: {
          description: 'Read back the output voltage (V)',
          params: {},
          async run(_p, ctx) {
            await sim.gate('measure_voltage', ctx);
            const o = output();
            return o.on ? sim.jitter(o.voltage) : 0;
          },
        },
        measure_current: {
          description: 'Read back the output current (A)',
          params: {},
          async run(_p, ctx) {
            await sim.gate('measure_current', ctx);
            const o = output();
            // The same relative noise as the voltage read-back: noise volts across the load.
            return o.on ? sim.jitter(o.current, 1 / load) : 0;
          },
        },
        get_state: {
          description: 'Setpoints, output state and regulation mode (cv, cc, off)',
          params: {},
          async run(_p, ctx) {
            await sim.gate('get_state', ctx);
            const o = output();
            return { setpoint: state.setpoint, current_limit: state.limit, output: state.on, mode: o.mode };
          },
        },
      },
    };
  },
};
