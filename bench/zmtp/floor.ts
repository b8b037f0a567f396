/** The benchmark floor: the same 216-byte round trip over a plain Bun socket, no ZeroMQ at all. */
import { timeRoundTrips } from './stats.ts';

interface RoleConfig {
  role: string;
  endpoint?: string;
  count?: number;
  warmup?: number;
  bodySize?: number;
  idSize?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as RoleConfig;
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const count = config.count ?? 1000;
const warmup = config.warmup ?? 100;

// End of stdin means the orchestrator is gone (even killed): exit with it instead of lingering.
void (async () => {
  const reader = Bun.stdin.stream().getReader();
  while (!(await reader.read()).done) {}
  process.exit(0);
})();

/** Times `count` round trips after `warmup` unmeasured ones and reports their percentiles. */
async function measure(roundTrip: () => Promise<void>): Promise<void> {
  say({ result: await timeRoundTrips(roundTrip, warmup, count) });
}

const roles: Record<string, () => Promise<void>> = {
  async 'echo-server'() {
    const target = String(config.endpoint);
    const socketHandlers = {
      data(socket: { write(data: Uint8Array): number }, data: Uint8Array) {
        socket.write(data);
      },
    };
    if (target.startsWith('ipc://')) {
      Bun.listen({ unix: target.slice('ipc://'.length), socket: socketHandlers });
      say({ ready: true, endpoint: target });
    } else {
      const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: socketHandlers });
      say({ ready: true, endpoint: `tcp://127.0.0.1:${server.port}` });
    }
  },

  async 'echo-client'() {
    const size = (config.idSize ?? 16) + (config.bodySize ?? 200);
    const payload = Buffer.alloc(size, 0x61);
    let pending: { got: number; done: () => void } | undefined;
    const handlers = {
      data(_socket: unknown, data: Uint8Array) {
        if (pending === undefined) return;
        pending.got += data.length;
        if (pending.got >= size) pending.done();
      },
    };
    const target = String(config.endpoint);
    const socket = target.startsWith('ipc://')
      ? await Bun.connect({ unix: target.slice('ipc://'.length), socket: handlers })
      : await Bun.connect({
          hostname: '127.0.0.1',
          port: Number(target.split(':').at(-1)),
          socket: handlers,
        });
    socket.setNoDelay(true);
    await measure(() => {
      const { promise, resolve } = Promise.withResolvers<void>();
      pending = { got: 0, done: resolve };
      socket.write(payload);
      return promise;
    });
    socket.end();
    process.exit(0);
  },
};

const role = roles[config.role];
if (role === undefined) {
  process.stderr.write(`unknown role ${config.role}\n`);
  process.exit(2);
}
role().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
