// The test Backend's control API: plain HTTP on its own port, so it stays reachable while the Backend
// itself is down. Used by the dev tool (`curl`) and by tests that drive a Backend in another process.
import { parsePlan } from './behaviour.ts';
import type { TestBackend } from './server.ts';

/**
 * Builds the control server's fetch handler.
 * @example curl -X POST localhost:9091/behave -d '{"kind":"status","status":503,"retryAfter":"5","times":3}'
 */
export function controlHandler(backend: TestBackend): (req: Request) => Promise<Response> {
  const downTimers = new Set<ReturnType<typeof setTimeout>>();
  return async (req) => {
    const { pathname } = new URL(req.url);
    const route = `${req.method} ${pathname}`;
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    switch (route) {
      case 'GET /stats':
        return Response.json({ ...backend.stats(), listening: backend.listening, url: backend.url });
      case 'GET /results':
        return Response.json(backend.results().map(({ body: _body, ...r }) => r));
      case 'POST /behave':
      case 'POST /then': {
        const plan = parsePlan(body);
        if (typeof plan === 'string') return Response.json({ error: plan }, { status: 400 });
        if (route === 'POST /behave') backend.behave(plan.behaviour, plan.times);
        else backend.enqueue(plan);
        return Response.json({ ok: true });
      }
      case 'POST /down': {
        await backend.down();
        const forMs = Number((body as { forMs?: unknown } | undefined)?.forMs);
        if (Number.isFinite(forMs) && forMs > 0) {
          const t = setTimeout(() => {
            downTimers.delete(t);
            void backend.up();
          }, forMs);
          downTimers.add(t);
        }
        return Response.json({ ok: true });
      }
      case 'POST /up':
        await backend.up();
        return Response.json({ ok: true });
      case 'POST /flap': {
        const periodMs = Number((body as { periodMs?: unknown } | undefined)?.periodMs);
        if (!(periodMs > 0)) return Response.json({ error: 'periodMs must be > 0' }, { status: 400 });
        backend.flap(periodMs);
        return Response.json({ ok: true });
      }
      case 'POST /reset':
        for (const t of downTimers) clearTimeout(t);
        downTimers.clear();
        await backend.reset();
        return Response.json({ ok: true });
      default:
        return Response.json(
          { error: `unknown control route ${route}`, routes: CONTROL_ROUTES },
          { status: 404 },
        );
    }
  };
}

/** What the control API offers, shown on a wrong route and in the dev tool's banner. */
export const CONTROL_ROUTES = [
  'GET  /stats',
  'GET  /results',
  'POST /behave {"kind":"ok"|"status"|"hang"|"slow", status?, retryAfter?, body?, store?, ms?, delayMs?, times?}',
  'POST /then   (same body: queued after the current plan)',
  'POST /down   {"forMs"?: number}',
  'POST /up',
  'POST /flap   {"periodMs": number}',
  'POST /reset',
];

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
