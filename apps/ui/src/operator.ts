// Who is testing: the operator identifies once per browser session, by badge scan (a scanner types the id
// and Enter) or by typing; with a signed-in token the id is the token's subject and is not asked for.
import { apiKey } from './api.ts';
import { t } from './i18n.ts';

const KEY = 'station.operator';
/** Operator ids as the station stores them (the bus accepts 1-64 characters). */
const MAX_LENGTH = 64;

/** The `sub` of a JWT-shaped credential (decoded, not verified: the station verifies), else null. */
export function tokenSubject(credential: string | null): string | null {
  const parts = credential?.split('.');
  if (parts?.length !== 3) return null;
  try {
    const binary = atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub !== '' ? sub : null;
  } catch {
    return null;
  }
}

/** The operator id to start with: the token's subject (fixed), else the one remembered this session. */
export function initialOperator(
  credential: string | null,
  remembered: string | null,
): { id: string; fromToken: boolean } {
  const sub = tokenSubject(credential);
  return sub ? { id: sub, fromToken: true } : { id: remembered ?? '', fromToken: false };
}

/** Why `id` cannot be sent, or null when it can. */
export function checkOperator(id: string): string | null {
  const trimmed = id.trim();
  if (trimmed === '') return t('unit.needOperator');
  if (trimmed.length > MAX_LENGTH) return t('unit.operatorTooLong', { max: MAX_LENGTH });
  return null;
}

/** The session's operator, as the start form pre-fills it. */
export function sessionOperator(): { id: string; fromToken: boolean } {
  return initialOperator(apiKey(), sessionStorage.getItem(KEY));
}

export function rememberOperator(id: string): void {
  sessionStorage.setItem(KEY, id.trim());
}
