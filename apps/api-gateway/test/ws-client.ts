// A WebSocket test client: every message kept in order, waited on by condition with a deadline.
export interface WsMessage {
  type: string;
  batch_id?: string | null;
  data?: unknown;
}

export interface TestClient extends AsyncDisposable {
  ws: WebSocket;
  messages: WsMessage[];
  /** Resolves once a message matches (past or future), or rejects after `ms`. */
  next(match: (m: WsMessage) => boolean, what: string, ms?: number): Promise<WsMessage>;
  send(value: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a client and waits for the connection (rejects if it is refused). */
export async function connect(url: string, protocols?: string[]): Promise<TestClient> {
  const ws = new WebSocket(url, protocols);
  const messages: WsMessage[] = [];
  const watchers = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener('close', (e) => {
      resolve({ code: e.code, reason: e.reason });
      for (const w of [...watchers]) w();
    });
  });
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(String(e.data)) as WsMessage);
    for (const w of [...watchers]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)), { once: true });
  });
  return {
    ws,
    messages,
    closed,
    send(value) {
      ws.send(typeof value === 'string' ? value : JSON.stringify(value));
    },
    next(match, what, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.find(match);
          if (hit) {
            done();
            resolve(hit);
          } else if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error(`closed before ${what}; got ${JSON.stringify(messages).slice(0, 500)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(messages).slice(0, 500)}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async [Symbol.asyncDispose]() {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close();
        await closed;
      }
    },
  };
}
