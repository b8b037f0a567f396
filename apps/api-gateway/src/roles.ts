// What each role may do: one table of every route (and WebSocket message) with the least role it needs.
// operator: run and abort sequences, answer prompts, view; engineer: also batch processes, manual
// control, sync; admin: everything. A route that is not in the table needs admin (fail closed).
import { ROLES, type Role } from '@station/config';
import type { Identity } from './auth.ts';
import { ApiError } from './errors.ts';

/** `open`: no credential at all (the health check, signing in). */
export type Need = Role | 'open';

/**
 * Every route of the gateway with the least role it needs, as `METHOD path` in Elysia's route syntax.
 * tests/roles.test.ts walks the app's routes against this table, so a new route must be added here.
 */
export const ROUTE_ROLES = {
  'GET /api/system/health': 'open',
  'POST /api/auth/token': 'open',
  'GET /api/system/info': 'operator',
  'POST /api/system/sync': 'engineer',
  'GET /api/batches': 'operator',
  'GET /api/batches/:id': 'operator',
  'GET /api/batches/:id/log': 'operator',
  'POST /api/batches/:id/start': 'engineer',
  'POST /api/batches/:id/stop': 'engineer',
  'POST /api/batches/:id/restart': 'engineer',
  'POST /api/batches/:id/sequence/start': 'operator',
  'POST /api/batches/:id/sequence/stop': 'operator',
  'GET /api/batches/:id/sequence/version': 'operator',
  'POST /api/batches/:id/sequence/version': 'engineer',
  'POST /api/batches/:id/acknowledge': 'operator',
  'POST /api/batches/:id/prompts/:promptId': 'operator',
  'POST /api/batches/:id/manual': 'engineer',
  'GET /api/sequences': 'operator',
  'POST /api/sequences': 'engineer',
  'GET /api/sequences/:name': 'operator',
  'GET /api/sequences/:name/assets/*': 'operator',
  'GET /api/results': 'operator',
  'GET /api/results/:id': 'operator',
  'GET /api/results/:id/export': 'operator',
  'GET /api/units/:serialNumber': 'operator',
  'GET /api/stats': 'operator',
  'GET /api/stats/series': 'operator',
  'GET /api/trends/:sequence/:measurement': 'operator',
  'GET /api/docs': 'operator',
  'GET /api/docs/json': 'operator',
  'GET /metrics': 'operator',
  'GET /ws': 'operator',
} as const satisfies Record<string, Need>;

/** The least role of each WebSocket message a client may send. */
export const WS_MESSAGE_ROLES = {
  subscribe: 'operator',
  unsubscribe: 'operator',
  ping: 'operator',
} as const satisfies Record<string, Role>;

/** Whether `role` is at least `needed`. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const compiled = Object.entries(ROUTE_ROLES).map(([route, need]) => {
  const [method, path] = route.split(' ') as [string, string];
  const pattern = path
    .replace(/:[A-Za-z]+/g, '[^/]+')
    .replace(/\*$/, '.+')
    .replace(/\//g, '\\/');
  return { route, method, re: new RegExp(`^${pattern}$`), need: need as Need };
});

/** The table entry for a request, or undefined when no route of the table matches. */
export function routeOf(method: string, path: string): { route: string; need: Need } | undefined {
  const hit = compiled.find((r) => r.method === method && r.re.test(path));
  return hit && { route: hit.route, need: hit.need };
}

/** The least role a request needs: its route's, `admin` for anything not in the table. */
export function neededFor(method: string, path: string): { route: string; need: Need } {
  return routeOf(method, path) ?? { route: `${method} ${path}`, need: 'admin' };
}

/** Throws 403 FORBIDDEN, naming the role needed, unless `who` may do `what`. */
export function requireRole(who: Identity, needed: Role, what: string): void {
  if (allows(who.role, needed)) return;
  throw new ApiError(
    'FORBIDDEN',
    `${what} needs role ${needed} or higher; ${who.name} has role ${who.role}`,
    {
      details: { needed, role: who.role },
    },
  );
}
