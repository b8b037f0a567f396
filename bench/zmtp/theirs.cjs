// Benchmark roles on zeromq.js (libzmq 4.3.5) under Node; the mirror of ours.ts, same shapes and output.
// Usage: node bench/zmtp/theirs.cjs '<json role config>'   (one JSON line per event on stdout)
'use strict';

const readline = require('node:readline');
const { PerformanceObserver } = require('node:perf_hooks');
const zmq = require('zeromq');

const config = JSON.parse(process.argv[2] ?? '{}');
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const now = () => performance.now();

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000, n: sorted.length };
}

// The orchestrator talks on stdin: 'go' starts the publisher, and end of input means it is gone (even
// killed), so every role exits with it instead of lingering.
let startPublishing;
const go = new Promise((resolve) => {
  startPublishing = resolve;
});
const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() === 'go') startPublishing();
});
input.on('close', () => process.exit(0));

const body = Buffer.alloc(config.bodySize ?? 200, 0x61);
const routingId = Buffer.alloc(config.idSize ?? 16, 0x62);

// libzmq's CURVE options for this role's side (cases.ts `security`); no ZAP handler, so a CURVE server
// accepts every client key, as ours does with an `authorize` that says yes.
function security() {
  const keys = config.curve;
  if (keys === undefined) return {};
  if (keys.side === 'server') {
    return { curveServer: true, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey };
  }
  return { curveServerKey: keys.serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey };
}

// Garbage collections with their pauses, from V8 itself, to report next to latency (ours: gc.ts).
const collections = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push({ start: entry.startTime, ms: entry.duration });
}).observe({ entryTypes: ['gc'] });

/** Collections that started between `from` and `to` (performance.now() times); entries arrive late. */
async function gcBetween(from, to) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const inside = collections.filter((gc) => gc.start >= from && gc.start <= to);
  return {
    count: inside.length,
    pauseMs: inside.reduce((sum, gc) => sum + gc.ms, 0),
    maxPauseMs: inside.reduce((max, gc) => Math.max(max, gc.ms), 0),
    jitMs: null, // V8 has no equivalent counter; shown as n/a
  };
}

/** Counts the messages a serving role handles; reports its collections over the client's measured ones. */
function phases() {
  let seen = 0;
  let from = 0;
  return () => {
    seen += 1;
    if (seen === config.warmup + 1) from = now();
    if (seen === config.warmup + config.count + 1) {
      const to = now();
      void gcBetween(from, to).then((gc) => say({ gc }));
    }
  };
}

async function echoLoop(sock) {
  const tick = phases();
  for await (const message of sock) {
    tick();
    await sock.send(message);
  }
}

const roles = {
  async 'rtt-server'() {
    const sock =
      config.pattern === 'req-rep'
        ? new zmq.Reply({ linger: 0, ...security() })
        : new zmq.Router({ linger: 0, ...security() });
    await sock.bind(config.endpoint);
    say({ ready: true, endpoint: sock.lastEndpoint });
    await echoLoop(sock);
  },

  async 'rtt-client'() {
    const options = { linger: 0, routingId, ...security() };
    const sock = config.pattern === 'req-rep' ? new zmq.Request(options) : new zmq.Dealer(options);
    sock.connect(config.endpoint);
    const samples = new Float64Array(config.count);
    for (let i = 0; i < config.warmup; i += 1) {
      await sock.send(body);
      await sock.receive();
    }
    const from = now();
    for (let i = 0; i < config.count; i += 1) {
      const start = now();
      await sock.send(body);
      await sock.receive();
      samples[i] = now() - start;
    }
    const gc = await gcBetween(from, now());
    // The serving roles count messages to find the measured phase: finish the round trips they expect.
    for (let i = 0; i < (config.probe ?? 0); i += 1) {
      await sock.send(body);
      await sock.receive();
    }
    say({ result: { ...summary(samples), gc } });
    sock.close();
    process.exit(0);
  },

  async broker() {
    const frontend = new zmq.Router({ linger: 0 });
    const backend = new zmq.Router({ linger: 0 });
    await frontend.bind(config.frontend);
    await backend.bind(config.backend);
    say({ ready: true, frontend: frontend.lastEndpoint, backend: backend.lastEndpoint });
    const [worker] = await backend.receive(); // the worker announces itself with one message
    say({ worker: true });
    const tick = phases();
    const forward = async () => {
      for await (const [client, ...rest] of frontend) {
        tick();
        await backend.send([worker, client, ...rest]);
      }
    };
    const back = async () => {
      for await (const [, ...rest] of backend) await frontend.send(rest);
    };
    await Promise.all([forward(), back()]);
  },

  async 'broker-worker'() {
    const sock = new zmq.Dealer({ linger: 0, routingId: 'worker' });
    sock.connect(config.endpoint);
    await sock.send('ready');
    await echoLoop(sock);
  },

  async pub() {
    const sock = new zmq.Publisher({ linger: 0, sendHighWaterMark: config.count * 2, ...security() });
    await sock.bind(config.endpoint);
    say({ ready: true, endpoint: sock.lastEndpoint });
    let going = false;
    go.then(() => {
      going = true;
    });
    // Slow-joiner guard: keep publishing sync messages until every subscriber has seen one.
    while (!going) {
      await sock.send(['sync', '']);
      await Promise.race([go, new Promise((resolve) => setTimeout(resolve, 5))]);
    }
    for (let i = 0; i < config.count; i += 1) await sock.send(['data', body]);
    say({ sent: config.count });
    await new Promise(() => {}); // stay up until killed so nothing queued is lost
  },

  async subs() {
    const sockets = Array.from({ length: config.subscribers }, () => {
      const sock = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: config.count * 2, ...security() });
      sock.subscribe();
      sock.connect(config.endpoint);
      return sock;
    });
    let synced = 0;
    const rates = await Promise.all(
      sockets.map(async (sock) => {
        let first = 0;
        let seen = 0;
        let counted = false;
        for await (const [topic] of sock) {
          if (!counted) {
            counted = true;
            synced += 1;
            if (synced === sockets.length) say({ synced: true });
          }
          if (topic.toString() !== 'data') continue;
          if (seen === 0) first = now();
          seen += 1;
          if (seen === config.count) break;
        }
        return ((seen - 1) / (now() - first)) * 1000;
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
role().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
