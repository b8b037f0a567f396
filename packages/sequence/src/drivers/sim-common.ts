// What the simulated instruments share: a seeded random source and the "realism" knobs (latency,
// failure rate, connect failure) applied to every command the same way.
import type { CommandContext, SimpleSchema } from '../sdk.ts';
import { sleep } from '../sleep.ts';

/** Deterministic PRNG (mulberry32): the same seed gives the same readings and failures on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options every simulated driver takes. */
export const SIM_OPTIONS: SimpleSchema = {
  noise: { type: 'number', default: 0, min: 0, description: 'peak noise added to readings (uniform, ±)' },
  latency: { type: 'number', default: 0, min: 0, unit: 'ms', description: 'delay of every command' },
  failure_rate: { type: 'number', default: 0, min: 0, max: 1, description: 'chance a command fails' },
  connect_fail: {
    type: 'boolean',
    default: false,
    description: 'connect() fails, as with a cable unplugged',
  },
  seed: { type: 'integer', default: 1, description: 'random seed for noise and failures' },
};

/** The shared behaviour of one simulated instrument instance. */
export class SimInstrument {
  readonly random: () => number;
  readonly noise: number;
  connected = false;
  private readonly latency: number;
  private readonly failureRate: number;
  private readonly connectFail: boolean;

  constructor(
    readonly label: string,
    options: Record<string, unknown>,
  ) {
    const num = (key: string) => (typeof options[key] === 'number' ? (options[key] as number) : 0);
    this.random = seededRandom(typeof options.seed === 'number' ? options.seed : 1);
    this.noise = num('noise');
    this.latency = num('latency');
    this.failureRate = num('failure_rate');
    this.connectFail = options.connect_fail === true;
  }

  async connect(ctx: CommandContext): Promise<void> {
    if (this.latency > 0) await sleep(this.latency, ctx.signal);
    if (this.connectFail) throw new Error(`${this.label}: connection timeout (simulated)`);
    this.connected = true;
  }

  /** Runs before every command: not-connected check, latency, then the simulated failure roll. */
  async gate(command: string, ctx: CommandContext): Promise<void> {
    if (!this.connected) throw new Error(`${this.label}: not connected`);
    // No timer at all without latency: a zero-length timer still costs a macrotask per command.
    if (this.latency > 0) await sleep(this.latency, ctx.signal);
    else if (ctx.signal.aborted) throw ctx.signal.reason;
    if (this.failureRate > 0 && this.random() < this.failureRate) {
      throw new Error(`${this.label}: no response to ${command} (simulated communication failure)`);
    }
  }

  /** `value` plus uniform noise in [-scale*noise, +scale*noise]. */
  jitter(value: number, scale = 1): number {
    if (this.noise === 0) return value;
    return value + (this.random() * 2 - 1) * this.noise * scale;
  }
}
