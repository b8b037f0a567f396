// Benchmark helper process: the WebSocket clients of the gateway benchmark, in a process of their own so
// that what the bench times is the gateway's fan-out, not the bench's own event loop receiving it. Opens
// `n` clients subscribed to every batch; once all are subscribed, each stamps the receipt of every timed
// `log` event (message `t=<epoch ms>`, stamped by bench/gateway/station.ts at publish) for `seconds`.
// Both stamps are performance.timeOrigin + performance.now(): the wall clock at process start plus a
// monotonic clock, the same clock in every process on the machine.
// Usage: bun bench/gateway/ws-clients.ts <wsUrl> <n> <seconds> <out.json>
// (Clients on raw TCP sockets, finding the stamp by a byte search without a message event each, were tried:
// they cost the same CPU. The receive cost is the kernel's, one wake-up and read per socket per frame.)
// Prints READY once subscribed, then writes { latencies, received, cpuMs, events } to out.json (events: per
// timed event its stamp, first and last receipt's latency and how many clients got it, for telling the path
// to the nearest client from the fan-out's spread) and prints DONE.
import { writeFileSync } from 'node:fs';

const [url, nArg, secondsArg, out] = process.argv.slice(2);
if (!url || !nArg || !secondsArg || !out)
  throw new Error('usage: ws-clients.ts <wsUrl> <n> <seconds> <out.json>');
const n = Number(nArg);
const seconds = Number(secondsArg);
const STAMP = '"message":"t=';

const latencies: number[] = [];
/** Per timed event (by its stamp): its first and last receipt's latency and how many clients got it. */
const byEvent = new Map<number, [first: number, last: number, count: number]>();
let received = 0;
let measuring = false;
const sockets: WebSocket[] = [];
await Promise.all(
  Array.from({ length: n }, () => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    return new Promise<void>((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', batch_ids: ['*'] }));
      ws.onerror = () => reject(new Error(`ws connect to ${url} failed`));
      ws.onclose = (e) => reject(new Error(`ws closed before subscribing (${e.code} ${e.reason})`));
      ws.onmessage = (e) => {
        if (typeof e.data !== 'string') return;
        if (!measuring) {
          if (e.data.includes('"type":"subscribed"')) resolve();
          return;
        }
        // The receiving side is part of what is timed: it finds the stamp and does nothing else.
        received++;
        const at = e.data.indexOf(STAMP);
        if (at < 0) return;
        const stamp = Number.parseFloat(e.data.slice(at + STAMP.length, at + STAMP.length + 30));
        const latency = performance.timeOrigin + performance.now() - stamp;
        latencies.push(latency);
        const seen = byEvent.get(stamp);
        if (seen) {
          seen[1] = latency;
          seen[2] += 1;
        } else byEvent.set(stamp, [latency, latency, 1]);
      };
    });
  }),
);
console.log('READY');
const cpu0 = process.cpuUsage();
measuring = true;
await Bun.sleep(seconds * 1000);
measuring = false;
// CPU time of this process while timing (ms): what receiving the fan-out cost the clients' side.
const cpu = process.cpuUsage(cpu0);
for (const ws of sockets) {
  ws.onclose = null;
  ws.close();
}
const events = [...byEvent].map(([stamp, [first, last, count]]) => [stamp, first, last, count]);
writeFileSync(out, JSON.stringify({ latencies, received, cpuMs: (cpu.user + cpu.system) / 1000, events }));
console.log('DONE');
process.exit(0);
