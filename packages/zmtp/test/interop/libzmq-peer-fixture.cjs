// libzmq side of the interop suite: runs under Node (zeromq.js does not load on Bun) and is driven by
// the Bun tests over stdin/stdout, one JSON object per line. Frames travel as base64 strings.
//
// Requests:  {"id":1,"op":"create","socket":"s","type":"dealer","options":{...}}
// Replies:   {"id":1,"ok":true,...} or {"id":1,"ok":false,"error":"...","code":"EAGAIN"}
// Events:    {"event":"handshake","socket":"s","address":"tcp://..."} (unsolicited, any time)
// Startup:   {"ready":true,"pid":123,"libzmq":"4.3.5"}
'use strict';

const readline = require('node:readline');
const zmq = require('zeromq');

const constructors = {
  req: zmq.Request,
  rep: zmq.Reply,
  dealer: zmq.Dealer,
  router: zmq.Router,
  pub: zmq.Publisher,
  sub: zmq.Subscriber,
  xpub: zmq.XPublisher,
  xsub: zmq.XSubscriber,
  push: zmq.Push,
  pull: zmq.Pull,
  pair: zmq.Pair,
};

// Events a test may wait for; libzmq reports them through its monitor socket.
const watched = [
  'accept',
  'connect',
  'handshake',
  'disconnect',
  'close',
  'connect:retry',
  'bind',
  'handshake:error:protocol',
  'handshake:error:auth',
  'handshake:error:other',
];

// ZAP handler (RFC 27) for CURVE servers in this process: allows the client keys in `allowed` (Z85).
/** @type {Set<string> | undefined} */
let allowed;
/** @type {import('zeromq').Router | undefined} */
let zap;

async function serveZap(handler) {
  for await (const [routingId, empty, version, requestId, , , , mechanism, clientKey] of handler) {
    const key = clientKey === undefined ? '' : z85(clientKey);
    const ok = mechanism?.toString() === 'CURVE' && allowed.has(key);
    write({ event: 'zap', socket: 'zap', address: key, count: ok ? 200 : 400 });
    await handler.send([
      routingId,
      empty,
      version,
      requestId,
      ok ? '200' : '400',
      ok ? 'OK' : 'not allowed',
      ok ? key : '',
      '',
    ]);
  }
}

// Z85 of a 32-byte key, for the ZAP log and the allow list (zeromq.js has no z85 export).
const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
function z85(bytes) {
  let out = '';
  for (let at = 0; at < bytes.length; at += 4) {
    let value = bytes.readUInt32BE(at);
    let group = '';
    for (let i = 0; i < 5; i += 1) {
      group = Z85[value % 85] + group;
      value = Math.floor(value / 85);
    }
    out += group;
  }
  return out;
}

/** @type {Map<string, import('zeromq').Socket>} */
const sockets = new Map();

function write(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function toFrames(list) {
  return (list ?? []).map((b64) => Buffer.from(b64, 'base64'));
}

function fromFrames(frames) {
  return frames.map((frame) => Buffer.from(frame).toString('base64'));
}

function socketOf(request) {
  const sock = sockets.get(request.socket ?? 's');
  if (sock === undefined) throw new Error(`no socket named ${request.socket ?? 's'}`);
  return sock;
}

function create(request) {
  const make = constructors[request.type];
  if (make === undefined) throw new Error(`unknown socket type ${request.type}`);
  const name = request.socket ?? 's';
  const sock = new make({ linger: 0, ...(request.options ?? {}) });
  sockets.set(name, sock);
  for (const type of watched) {
    sock.events.on(type, (data) => write({ event: type, socket: name, address: data.address }));
  }
  return {};
}

async function receiveOne(sock, timeout) {
  sock.receiveTimeout = timeout ?? -1;
  try {
    return { frames: fromFrames(await sock.receive()) };
  } catch (error) {
    if (error && error.code === 'EAGAIN') return { timeout: true };
    throw error;
  }
}

// Echo loop: every message received is sent back as is (ROUTER keeps the routing id, REP replies).
async function echo(sock, count) {
  let done = 0;
  while (count === undefined || done < count) {
    sock.receiveTimeout = -1;
    const message = await sock.receive();
    await sock.send(message);
    done += 1;
  }
  return done;
}

const operations = {
  create,
  async bind(request) {
    await socketOf(request).bind(request.endpoint);
    return { endpoint: socketOf(request).lastEndpoint };
  },
  connect(request) {
    socketOf(request).connect(request.endpoint);
    return {};
  },
  async unbind(request) {
    await socketOf(request).unbind(request.endpoint);
    return {};
  },
  disconnect(request) {
    socketOf(request).disconnect(request.endpoint);
    return {};
  },
  async send(request) {
    await socketOf(request).send(toFrames(request.frames));
    return {};
  },
  async sendMany(request) {
    const sock = socketOf(request);
    for (const message of request.messages) await sock.send(toFrames(message));
    return { sent: request.messages.length };
  },
  async roundTrips(request) {
    // Send-then-receive per message (what a REQ needs), replies returned in order.
    const sock = socketOf(request);
    const replies = [];
    for (const message of request.messages) {
      await sock.send(toFrames(message));
      const got = await receiveOne(sock, request.timeout);
      if (got.timeout) return { replies, timeout: true };
      replies.push(got.frames);
    }
    return { replies };
  },
  receive(request) {
    return receiveOne(socketOf(request), request.timeout);
  },
  async receiveMany(request) {
    const sock = socketOf(request);
    const messages = [];
    for (let i = 0; i < request.count; i += 1) {
      const got = await receiveOne(sock, request.timeout);
      if (got.timeout) return { messages, timeout: true };
      messages.push(got.frames);
    }
    return { messages };
  },
  subscribe(request) {
    const sock = socketOf(request);
    if (request.topic === undefined) sock.subscribe();
    else sock.subscribe(Buffer.from(request.topic, 'base64'));
    return {};
  },
  unsubscribe(request) {
    const sock = socketOf(request);
    if (request.topic === undefined) sock.unsubscribe();
    else sock.unsubscribe(Buffer.from(request.topic, 'base64'));
    return {};
  },
  echo(request) {
    // Replies at once; the loop runs until the socket closes or `count` messages were echoed.
    echo(socketOf(request), request.count).then(
      (done) => write({ event: 'echo-done', socket: request.socket ?? 's', count: done }),
      () => {},
    );
    return {};
  },
  close(request) {
    socketOf(request).close();
    sockets.delete(request.socket ?? 's');
    return {};
  },
  ping() {
    return { pid: process.pid };
  },
  async zap(request) {
    // Sets the allowed client keys; binds the handler on first use (before the CURVE server is created).
    allowed = new Set(request.allow);
    if (zap === undefined) {
      zap = new zmq.Router({ linger: 0 });
      await zap.bind('inproc://zeromq.zap.01');
      void serveZap(zap).catch(() => {});
    }
    return {};
  },
  keyPair() {
    return zmq.curveKeyPair();
  },
};

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    write({ ok: false, error: `not JSON: ${line.slice(0, 80)}` });
    return;
  }
  const operation = operations[request.op];
  try {
    if (operation === undefined) throw new Error(`unknown op ${request.op}`);
    const result = await operation(request);
    write({ id: request.id, ok: true, ...result });
  } catch (error) {
    write({ id: request.id, ok: false, error: String(error?.message ?? error), code: error?.code });
  }
}

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() !== '') void handle(line);
});
// The test runner closing our stdin means it is done (or died): never outlive it.
input.on('close', () => {
  for (const sock of sockets.values()) sock.close();
  zap?.close();
  process.exit(0);
});

write({ ready: true, pid: process.pid, libzmq: zmq.version });
