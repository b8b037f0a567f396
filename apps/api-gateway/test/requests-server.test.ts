// The request limits over a real socket: a huge chunked body is cut off at the limit without being read
// into memory, a huge declared one is refused with our JSON (not Bun's bare 413) and never read, and a
// WebSocket upgrade from a foreign page is refused while the station's own page connects.
import { afterEach, expect, test } from 'bun:test';
import { listen, type RunningGateway } from '../src/server.ts';
import { type Harness, harness, PushEvents } from './support.ts';

const LIMIT = 1024 * 1024;
const YAML = `
station: { id: station-t, name: Test Station }
server: { max_body_bytes: ${LIMIT} }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let h: Harness | undefined;
let server: RunningGateway | undefined;
afterEach(async () => {
  await server?.stop(2000);
  await h?.[Symbol.asyncDispose]();
  server = undefined;
  h = undefined;
});

async function start(): Promise<string> {
  h = await harness({ yaml: YAML });
  h.bus.on('sync', 'sync.now', () => ({ synced: 0, failed: 0, rejected: 0, pending: 0 }));
  h.bus.on('supervisor', 'batch.list', () => []);
  server = listen(h.gw, {
    hostname: '127.0.0.1',
    port: 0,
    events: new PushEvents(),
    log: quiet,
  });
  return `127.0.0.1:${server.port}`;
}

/** Bus requests made for a request body (not the read model's own checks of the supervisor). */
function bodyCalls() {
  return h!.bus.calls.filter((c) => c.method !== 'health' && c.method !== 'batch.list');
}

const TOO_LARGE = `the request body is larger than the limit of ${LIMIT} bytes (server.max_body_bytes)`;

test('a 120 MB chunked body is refused at the limit: the rest is never pulled, memory does not follow', async () => {
  const host = await start();
  const total = 120 * 1024 * 1024;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let pulled = 0;
  // No length up front: the gateway can only count as the bytes arrive.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  const res = await fetch(`http://${host}/api/system/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect({ status: res.status, body: await res.json() }).toEqual({
    status: 413,
    body: { error: { code: 'PAYLOAD_TOO_LARGE', message: TOO_LARGE } },
  });
  const grown = process.memoryUsage().rss - rssBefore;
  // A few socket buffers past the limit at most, far from the 120 MB sent.
  expect(pulled).toBeLessThan(16 * 1024 * 1024);
  expect(grown).toBeLessThan(total / 2);
  expect(bodyCalls()).toEqual([]);
});

/**
 * Sends a POST declaring `declared` bytes over a raw socket and keeps writing until the gateway answers
 * and closes; resolves with what it answered and how much it took.
 */
async function declaredPost(host: string, declared: number): Promise<{ response: string; written: number }> {
  const [hostname, port] = host.split(':');
  const closed = Promise.withResolvers<void>();
  let response = '';
  let open = true;
  const socket = await Bun.connect({
    hostname: hostname!,
    port: Number(port),
    socket: {
      data: (_s, bytes) => {
        response += bytes.toString();
      },
      close: () => {
        open = false;
        closed.resolve();
      },
      error: () => {
        open = false;
        closed.resolve();
      },
    },
  });
  socket.write(
    `POST /api/system/sync HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  const chunk = new Uint8Array(256 * 1024).fill(0x20);
  let written = 0;
  while (open && written < declared) {
    const n = socket.write(chunk);
    written += n;
    // The kernel's buffers are full: give the gateway a moment to answer (or to read on).
    if (n < chunk.byteLength) await Bun.sleep(5);
  }
  await closed.promise;
  return { response, written };
}

test('a declared Content-Length of 120 MB gets our JSON 413 at once, and the connection is closed unread', async () => {
  const host = await start();
  const declared = 120 * 1024 * 1024;
  const { response, written } = await declaredPost(host, declared);
  const [head = '', body = ''] = response.split('\r\n\r\n');
  expect({ status: head.split('\r\n')[0], body: JSON.parse(body) }).toEqual({
    status: 'HTTP/1.1 413 Payload Too Large',
    body: {
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `the request body is ${declared} bytes, more than the limit of ${LIMIT} bytes (server.max_body_bytes)`,
      },
    },
  });
  // Socket buffers at most: the gateway did not read the body to throw it away.
  expect(written).toBeLessThan(16 * 1024 * 1024);
  expect(bodyCalls()).toEqual([]);
});

/** The status line the gateway answers a WebSocket upgrade of /ws with, sent as a browser would. */
async function upgradeStatus(host: string, origin: string | undefined): Promise<string> {
  const [hostname, port] = host.split(':');
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  let text = '';
  const socket = await Bun.connect({
    hostname: hostname!,
    port: Number(port),
    socket: {
      data(s, bytes) {
        text += bytes.toString();
        const end = text.indexOf('\r\n');
        if (end >= 0) {
          resolve(text.slice(0, end));
          s.end();
        }
      },
      close: () => reject(new Error(`closed before a status line: ${JSON.stringify(text)}`)),
      error: (_s, err) => reject(err),
    },
  });
  socket.write(
    [
      'GET /ws HTTP/1.1',
      `Host: ${host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      ...(origin === undefined ? [] : [`Origin: ${origin}`]),
      '',
      '',
    ].join('\r\n'),
  );
  return promise;
}

test('a WebSocket upgrade from a foreign page is 403; from the station page or a tool it is accepted', async () => {
  const host = await start();
  expect(await upgradeStatus(host, 'https://evil.example')).toBe('HTTP/1.1 403 Forbidden');
  expect(await upgradeStatus(host, 'null')).toBe('HTTP/1.1 403 Forbidden');
  expect(await upgradeStatus(host, `http://${host}`)).toBe('HTTP/1.1 101 Switching Protocols');
  expect(await upgradeStatus(host, undefined)).toBe('HTTP/1.1 101 Switching Protocols');
  const refused = await fetch(`http://${host}/ws`, {
    headers: {
      origin: 'https://evil.example',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
  });
  expect({
    status: refused.status,
    code: ((await refused.json()) as { error: { code: string } }).error.code,
  }).toEqual({ status: 403, code: 'FORBIDDEN_ORIGIN' });
});
