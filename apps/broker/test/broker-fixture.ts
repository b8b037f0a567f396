// Test fixture: a broker process on the endpoints given as arguments; prints READY <endpoints json>.
import { Broker } from '../src/broker.ts';

const [serviceBus, eventIn, eventOut, hb, liveness] = process.argv.slice(2);
if (!serviceBus || !eventIn || !eventOut)
  throw new Error('usage: broker-fixture <serviceBus> <eventIn> <eventOut> [heartbeatMs]');
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
  heartbeatMs: Number(hb ?? 200),
});
console.log(`READY ${JSON.stringify(broker.endpoints)}`);
process.on('SIGTERM', () => {
  broker.close();
  process.exit(0);
});
