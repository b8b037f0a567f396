// Benchmark helper process: the floor of the gateway benchmark, a bare `Bun.serve` that answers each path
// with the exact bytes the gateway answered for it (same length, same content type), and nothing else.
// What a route costs beyond this is the gateway's own.
// Usage: bun bench/gateway/floor.ts <bodies.json>   (bodies.json: { "<path>": "<body text>" })
import { readFileSync } from 'node:fs';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: floor.ts <bodies.json>');
const bodies = new Map(
  Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>).map(([path, text]) => [
    path,
    new TextEncoder().encode(text),
  ]),
);
const headers = { 'content-type': 'application/json' };
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request) {
    const url = request.url;
    const body = bodies.get(url.slice(url.indexOf('/', url.indexOf('//') + 2)));
    return body ? new Response(body, { headers }) : new Response('not found', { status: 404 });
  },
});
console.log(`READY ${server.port}`);
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
