// Test fixture (the apps', system tests' and benchmarks' broker too): a broker process on the endpoints
// given as arguments; prints READY <endpoints json>.
import { Broker } from '../src/index.ts';

const [serviceBus, eventIn, eventOut, hb, liveness] = process.argv.slice(2);
if (!serviceBus || !eventIn || !eventOut)
  throw new Error('usage: broker-fixture <serviceBus> <eventIn> <eventOut> [heartbeatMs] [liveness]');
const heartbeatMs = Number(hb ?? 200);
// Services started with their defaults send a heartbeat every second. A fast tick (quick detection of a
// killed worker) must not shrink the window a silent worker gets below the production broker's 5 s, or a
// supervisor that a loaded machine delays by a second is dropped mid-request.
const PRODUCTION_WINDOW_MS = 5_000;
const quiet = {
  debug() {},
  info() {},
  warn: (o: object, m?: string) => console.error(m, JSON.stringify(o)),
  error: (o: object, m?: string) => console.error(m, JSON.stringify(o)),
};
const broker = await Broker.start({
  serviceBus,
  eventIn,
  eventOut,
  logger: quiet,
  heartbeatMs,
  liveness: liveness ? Number(liveness) : Math.max(5, Math.ceil(PRODUCTION_WINDOW_MS / heartbeatMs)),
});
console.log(`READY ${JSON.stringify(broker.endpoints)}`);
process.on('SIGTERM', () => {
  broker.close();
  process.exit(0);
});
