/** Benchmark roles on @station/zmtp under Bun, the mirror of theirs.cjs (same shapes, same output). */
import { Dealer, Pub, Rep, Req, Router, Sub } from '@station/zmtp';
import { allocationOf, markPhase, startProbe } from './gc.ts';
import { timeRoundTrips } from './stats.ts';

interface RoleConfig {
  role: string;
  pattern?: 'dealer-router' | 'req-rep';
  endpoint?: string;
  frontend?: string;
  backend?: string;
  count?: number;
  warmup?: number;
  subscribers?: number;
  /** Round trips of the allocation probe that follows the measured ones. */
  probe?: number;
  bodySize?: number;
  idSize?: number;
  /** CURVE keys of this role's side (cases.ts `security`); absent for NULL. */
  curve?: { side: 'server' | 'client'; publicKey: string; secretKey: string; serverKey?: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as RoleConfig;
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const count = config.count ?? 1000;
const warmup = config.warmup ?? 100;
const probe = config.probe ?? 0;
const body = Buffer.alloc(config.bodySize ?? 200, 0x61);
const routingId = Buffer.alloc(config.idSize ?? 16, 0x62);

/** The socket options for the configured mechanism: every client key is accepted (see cases.ts). */
function security() {
  const keys = config.curve;
  if (keys === undefined) return {};
  const { publicKey, secretKey } = keys;
  if (keys.side === 'server')
    return { curve: { server: true as const, publicKey, secretKey, authorize: () => true } };
  return { curve: { serverKey: String(keys.serverKey), publicKey, secretKey } };
}

// The orchestrator talks on stdin: 'go' starts the publisher, and end of input means it is gone (even
// killed), so every role exits with it instead of lingering.
const go = Promise.withResolvers<void>();
void (async () => {
  const decoder = new TextDecoder();
  let text = '';
  const reader = Bun.stdin.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) process.exit(0);
    text += decoder.decode(value, { stream: true });
    if (text.split('\n').some((line) => line.trim() === 'go')) go.resolve();
  }
})();

/**
 * Counts the messages a serving role handles and follows the client's phases by that count: the GC
 * log markers around the measured round trips, then the allocation probe over the next `probe` ones.
 */
function phases(): () => void {
  let seen = 0;
  let running: ReturnType<typeof startProbe> | undefined;
  return () => {
    seen += 1;
    if (seen === warmup + 1) markPhase('measure');
    if (seen === warmup + count + 1) {
      markPhase('end');
      if (probe > 0) running = startProbe();
    }
    // Checked before this message is handled: the probe covered the `probe - 1` before it.
    if (seen === warmup + count + probe && running !== undefined) {
      say({ alloc: running.stop(probe - 1) ?? null });
      running = undefined;
    }
  };
}

async function echoLoop(sock: Router | Rep | Dealer): Promise<void> {
  const tick = phases();
  for await (const message of sock) {
    tick();
    await sock.send(message);
  }
}

/** Times `count` round trips after `warmup` unmeasured ones, then probes allocation, and reports both. */
async function measure(roundTrip: () => Promise<void>): Promise<void> {
  const latency = await timeRoundTrips(roundTrip, warmup, count);
  const alloc =
    probe > 0
      ? await allocationOf(async () => {
          for (let i = 0; i < probe; i += 1) await roundTrip();
          return probe;
        })
      : undefined;
  say({ result: { ...latency, alloc: alloc ?? null } });
}

const roles: Record<string, () => Promise<void>> = {
  async 'rtt-server'() {
    const sock = config.pattern === 'req-rep' ? new Rep(security()) : new Router(security());
    await sock.bind(String(config.endpoint));
    say({ ready: true, endpoint: sock.lastEndpoint });
    await echoLoop(sock);
  },

  async 'rtt-client'() {
    const sock =
      config.pattern === 'req-rep'
        ? new Req({ routingId, ...security() })
        : new Dealer({ routingId, ...security() });
    sock.connect(String(config.endpoint));
    await measure(async () => {
      await sock.send(body);
      await sock.receive();
    });
    sock.close();
    process.exit(0);
  },

  async broker() {
    const frontend = new Router();
    const backend = new Router();
    await frontend.bind(String(config.frontend));
    await backend.bind(String(config.backend));
    say({ ready: true, frontend: frontend.lastEndpoint, backend: backend.lastEndpoint });
    const [worker] = await backend.receive(); // the worker announces itself with one message
    if (worker === undefined) throw new Error('worker announced nothing');
    say({ worker: true });
    const tick = phases();
    const forward = async () => {
      for await (const [client, ...rest] of frontend) {
        tick();
        await backend.send([worker, client ?? '', ...rest]);
      }
    };
    const back = async () => {
      for await (const [, ...rest] of backend) await frontend.send(rest);
    };
    await Promise.all([forward(), back()]);
  },

  async 'broker-worker'() {
    const sock = new Dealer({ routingId: 'worker' });
    sock.connect(String(config.endpoint));
    await sock.send('ready');
    await echoLoop(sock);
  },

  async pub() {
    const sock = new Pub({ sendHighWaterMark: count * 2, ...security() });
    await sock.bind(String(config.endpoint));
    say({ ready: true, endpoint: sock.lastEndpoint });
    let going = false;
    void go.promise.then(() => {
      going = true;
    });
    // Slow-joiner guard: keep publishing sync messages until every subscriber has seen one.
    while (!going) {
      await sock.send(['sync', '']);
      await Promise.race([go.promise, Bun.sleep(5)]);
    }
    for (let i = 0; i < count; i += 1) await sock.send(['data', body]);
    say({ sent: count });
    await new Promise(() => {}); // stay up until killed so nothing queued is lost
  },

  async subs() {
    const sockets = Array.from({ length: config.subscribers ?? 1 }, () => {
      const sock = new Sub({ receiveHighWaterMark: count * 2, ...security() });
      sock.subscribe();
      sock.connect(String(config.endpoint));
      return sock;
    });
    let synced = 0;
    const rates = await Promise.all(
      sockets.map(async (sock) => {
        let first = 0;
        let seen = 0;
        let counted = false;
        while (seen < count) {
          const [topic] = await sock.receive();
          if (!counted) {
            counted = true;
            synced += 1;
            if (synced === sockets.length) say({ synced: true });
          }
          if (topic?.toString() !== 'data') continue;
          if (seen === 0) first = performance.now();
          seen += 1;
        }
        return ((seen - 1) / (performance.now() - first)) * 1000;
      }),
    );
    say({ result: { rate: Math.min(...rates) } });
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
