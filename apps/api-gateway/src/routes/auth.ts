// `POST /api/auth/token`: a local user of `server.auth.users` signs in with name and password and gets a
// token with the user's role, so a station with no identity provider still has roles and names.

import { Type } from '@sinclair/typebox';
import type { StationConfig } from '@station/config';
import { Elysia, t } from 'elysia';
import type { RouteContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { documentBody } from '../requests/body.ts';
import { errorResponses } from '../schemas.ts';
import { verifierOf } from '../tokens.ts';

type User = StationConfig['server']['auth']['users'][number];

const WRONG = 'the name or the password is wrong';

/**
 * Checks a sign-in. An unknown name costs one hash verification like a known one (against a throw-away
 * hash of the same algorithm) and gets the same answer, so neither time nor text tells which names exist.
 */
export function passwordChecker(users: readonly User[]): (name: string, password: string) => Promise<User> {
  const byName = new Map(users.map((u) => [u.name, u]));
  const sample = users[0]?.password_hash;
  let decoy: Promise<string> | undefined;
  return async (name, password) => {
    const user = byName.get(name);
    decoy ??= Bun.password.hash(crypto.randomUUID(), decoyParams(sample));
    const hash = user?.password_hash ?? (await decoy);
    const ok = await Bun.password.verify(password, hash).catch(() => false);
    if (!user || !ok) throw new ApiError('UNAUTHORIZED', WRONG);
    return user;
  };
}

/** Hash parameters like those of `sample` (a configured hash), so the decoy costs what a real check does. */
function decoyParams(sample: string | undefined): Parameters<typeof Bun.password.hash>[1] {
  if (sample?.startsWith('$2')) {
    const cost = Number(sample.split('$')[2]);
    return { algorithm: 'bcrypt', cost: Number.isInteger(cost) ? cost : 10 };
  }
  const m = /m=(\d+),t=(\d+)/.exec(sample ?? '');
  return m
    ? { algorithm: 'argon2id', memoryCost: Number(m[1]), timeCost: Number(m[2]) }
    : { algorithm: 'argon2id' };
}

/** What a sign-in sends. */
const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** The sign-in route, mounted under `/api/auth`. */
export function authRoutes(ctx: RouteContext) {
  const auth = ctx.config.server.auth;
  const enabled = auth.enabled && auth.type === 'jwt' && auth.users.length > 0;
  const tokens = enabled ? verifierOf(auth, () => ctx.clock.now()) : undefined;
  const check = passwordChecker(auth.users);
  return new Elysia({ name: 'routes.auth', prefix: '/api/auth', detail: { tags: ['Auth'] } }).post(
    '/token',
    async ({ request }) => {
      const body = await ctx.bodies.read(request, TokenBody);
      if (!tokens) {
        throw new ApiError(
          'NOT_FOUND',
          'sign-in is not configured (server.auth.type: jwt with server.auth.users)',
        );
      }
      const user = await check(body.name, body.password);
      const { token, expiresAt } = await tokens.issue(user.name, user.role);
      ctx.log.info({ user: user.name, role: user.role }, 'token issued');
      return { token, tokenType: 'Bearer' as const, expiresAt, name: user.name, role: user.role };
    },
    {
      parse: 'none',
      response: {
        200: t.Object({
          token: t.String(),
          tokenType: t.Literal('Bearer'),
          expiresAt: t.String(),
          name: t.String(),
          role: t.Union([t.Literal('operator'), t.Literal('engineer'), t.Literal('admin')]),
        }),
        ...errorResponses,
      },
      detail: {
        summary: "Sign a local user in: a token (JWT) with the user's role (401 on a wrong name or password)",
        requestBody: documentBody(TokenBody, false),
      },
    },
  );
}
