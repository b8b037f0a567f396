// Benchmark helper process: the WebSocket clients of the gateway benchmark, in a process of their own so
// that what the bench times is the gateway's fan-out, not the bench's own event loop receiving it. Opens
// `n` clients subscribed to every batch; once all are subscribed, each stamps the receipt of every timed
// `log` event (message `t=<epoch ms>`, stamped by bench/gateway/station.ts at publish) for `seconds`.
// Both stamps are performance.timeOrigin + performance.now(): the wall clock at process start plus a
// monotonic clock, the same clock in every process on the machine.
// Usage: bun bench/gateway/ws-clients.ts <wsUrl> <n> <seconds> <out.json>
// (Clients on raw TCP sockets, finding the stamp by a byte search without a message event each, were tried:
// they cost the same CPU. The receive cost is the kernel's, one wake-up and read per socket per frame.)
// Prints READY once subscribed, then writes { latencies, received, cpuMs, firsts, spreads, perClient } to
// out.json (each complete event's first receipt and first-to-last spread, and per client the mean time behind
// each event's first receipt) and prints DONE.
import { writeFileSync } from 'node:fs';

const [url, nArg, secondsArg, out] = process.argv.slice(2);
if (!url || !nArg || !secondsArg || !out)
  throw new Error('usage: ws-clients.ts <wsUrl> <n> <seconds> <out.json>');
const n = Number(nArg);
const seconds = Number(secondsArg);
const STAMP = '"message":"t=';

const latencies: number[] = [];
/** Per timed event (by its stamp): its receipts' latencies, in the order the clients got them. */
const byEvent = new Map<number, number[]>();
/** Per client (in connection order): the sum of its latency minus the event's first receipt, and a count. */
const behind = Array.from({ length: n }, () => ({ sum: 0, count: 0 }));
let received = 0;
let measuring = false;
const sockets: WebSocket[] = [];
await Promise.all(
  Array.from({ length: n }, (_, index) => {
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
        if (seen) seen.push(latency);
        else byEvent.set(stamp, [latency]);
        const first = byEvent.get(stamp)![0]!;
        behind[index]!.sum += latency - first;
        behind[index]!.count += 1;
      };
    });
  }),
);
console.log('READY');
const cpu0 = process.cpuUsage();
measuring = true;
await Bun.sleep(seconds * 1000);
measuring = false;
const cpu = process.cpuUsage(cpu0);
for (const ws of sockets) {
  ws.onclose = null;
  ws.close();
}
// CPU time of this process while timing (ms): what receiving the fan-out cost the clients' side.
// Where an event's time goes: its first receipt (the path to the nearest client) and the spread from
// first to last receipt (the fan-out's serial part, the gateway's writes and this process's reads).
const complete = [...byEvent.values()].filter((ls) => ls.length === n);
const firsts = complete.map((ls) => ls[0]!);
const spreads = complete.map((ls) => ls[ls.length - 1]! - ls[0]!);
const perClient = behind.map((b) => (b.count ? b.sum / b.count : 0));
writeFileSync(
  out,
  JSON.stringify({ latencies, received, cpuMs: (cpu.user + cpu.system) / 1000, firsts, spreads, perClient }),
);
console.log('DONE');
process.exit(0);
