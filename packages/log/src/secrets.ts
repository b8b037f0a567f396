// The one place free text is scrubbed of secrets before it leaves a process: log lines, error messages
// in API and bus replies, error columns written to the store. A process registers the secret values it
// holds once (runService does it from the loaded config and environment); every exit point calls
// `redactText`, and the logger runs each finished line through `redactLine`.

/** What replaces a secret value in text. */
export const CENSOR = '[redacted]';

/** Shorter values are not scrubbed: replacing every "1" or "on" would destroy the text and hide nothing. */
const MIN_SECRET_LENGTH = 4;

const held = new Set<string>();

/**
 * Adds values to this process's secrets. Call once the config is loaded; adding again is harmless.
 * @example holdSecrets(secretValues(config, process.env))
 */
export function holdSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH) held.add(v);
}

/** Replaces every secret this process holds in `text` (error messages, a Backend's answer, stderr lines). */
export function redactText(text: string): string {
  return scrubSecrets(text, held);
}

/**
 * `redactText` for a finished JSON log line: a secret with a quote, a backslash or a control character
 * appears escaped inside a JSON string, so the escaped form is replaced too.
 */
export function redactLine(line: string): string {
  if (held.size === 0) return line;
  let out = line;
  for (const s of held) {
    out = out.split(s).join(CENSOR);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join(CENSOR);
  }
  return out;
}

/**
 * A copy of a JSON value with every secret this process holds replaced inside its strings, for error
 * bodies and events whose details could carry free text. Returned as is when nothing is held.
 */
export function redactJson<T>(value: T): T {
  if (held.size === 0 || value === undefined) return value;
  const text = JSON.stringify(value);
  const clean = redactLine(text);
  return clean === text ? value : JSON.parse(clean);
}

/**
 * Replaces every occurrence of the given secret values in a string. For free text (error messages, a
 * Backend's answer) where a secret could appear outside a known key.
 */
export function scrubSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= MIN_SECRET_LENGTH) out = out.split(s).join(CENSOR);
  }
  return out;
}
