// Signed tokens (JWT, RFC 7519) for `server.auth.type: jwt`: HS256 with STATION_JWT_SECRET, verified
// with jose; expiry is required and honoured, with the configured clock skew and no more.
import type { Role, StationConfig } from '@station/config';
import { ROLES } from '@station/config';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Identity } from './auth.ts';
import { ApiError } from './errors.ts';

const ALG = 'HS256';

/** Verifies and issues the station's tokens. */
export interface TokenVerifier {
  /** The identity in a valid token; 401 UNAUTHORIZED (expired, bad signature, no role) otherwise. */
  verify(token: string): Promise<Identity>;
  /** A token for `name` with `role`, valid for `jwt_ttl`. */
  issue(name: string, role: Role): Promise<{ token: string; expiresAt: string }>;
}

function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** The verifier of `auth` (type jwt; the config check guarantees a secret of at least 32 bytes). */
export function verifierOf(auth: StationConfig['server']['auth'], now: () => number): TokenVerifier {
  const secret = new TextEncoder().encode(auth.jwt_secret ?? '');
  const skewSeconds = Math.round(auth.clock_skew / 1000);
  return {
    async verify(token) {
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(token, secret, {
          algorithms: [ALG],
          clockTolerance: skewSeconds,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw new ApiError('UNAUTHORIZED', `the token is not valid: ${reason(err)}`);
      }
      if (!isRole(payload.role)) {
        throw new ApiError(
          'UNAUTHORIZED',
          `the token is not valid: its "role" is not one of ${ROLES.join(', ')}`,
        );
      }
      return { name: payload.sub ?? '', role: payload.role, via: 'jwt' };
    },
    async issue(name, role) {
      const iat = Math.floor(now() / 1000);
      const exp = iat + Math.round(auth.jwt_ttl / 1000);
      const token = await new SignJWT({ role })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setSubject(name)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(secret);
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
  };
}

/** Why jose refused a token, in words that name no secret. */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return 'it is not valid yet (check the clocks)';
    return `its "${err.claim}" claim is ${err.reason === 'missing' ? 'missing' : 'not acceptable'}`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not match';
  if (err instanceof errors.JOSEAlgNotAllowed) return `only ${ALG} is accepted`;
  return 'it could not be read';
}
