// sim_relay: a package-local simulated relay card, showing how a package ships its own driver.
import type { Driver, DriverDefinition } from '@station/sequence';

const definition: DriverDefinition = {
  description: 'Simulated relay card with numbered channels',
  options: { channels: { type: 'integer', default: 8, min: 1, max: 64, description: 'number of channels' } },
  create(options): Driver {
    const channels = typeof options.channels === 'number' ? options.channels : 8;
    const closed = new Set<number>();
    let connected = false;
    const check = (channel: number) => {
      if (!connected) throw new Error('relay card not connected');
      if (channel > channels) throw new Error(`channel ${channel} does not exist (card has ${channels})`);
    };
    const channelParam = { channel: { type: 'integer', required: true, min: 1 } } as const;
    return {
      connect() {
        connected = true;
      },
      disconnect() {
        connected = false;
      },
      safeState() {
        closed.clear();
      },
      commands: {
        close: {
          description: 'Close one channel',
          params: channelParam,
          run(p) {
            check(p.channel as number);
            closed.add(p.channel as number);
            return { channel: p.channel, closed: true };
          },
        },
        open: {
          description: 'Open one channel',
          params: channelParam,
          run(p) {
            check(p.channel as number);
            closed.delete(p.channel as number);
            return { channel: p.channel, closed: false };
          },
        },
        open_all: {
          description: 'Open every channel',
          params: {},
          run() {
            if (!connected) throw new Error('relay card not connected');
            closed.clear();
            return { closed: [] };
          },
        },
        status: {
          description: 'Closed channels',
          params: {},
          run: () => ({ closed: [...closed].sort((a, b) => a - b) }),
        },
      },
    };
  },
};

export default definition;
