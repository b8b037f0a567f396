// `${VAR}` / `${VAR:-default}` references in string values, replaced from the environment. `$${` writes a
// literal `${`. Applied per YAML scalar (see tree.ts) so positions in errors still point into the file.

/** Environment given to the loader; `undefined` means unset. */
export type Env = Record<string, string | undefined>;

/** Result of substituting one string. */
export interface Substitution {
  value: string;
  /** Variables whose value came from the environment: their values count as secrets. */
  fromEnv: string[];
  /** One entry per problem (unset variable, malformed reference); empty when all went well. */
  problems: string[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces every reference in `text`. Like a shell, `:-` also applies to a variable set to the empty string.
 * @example substituteEnv('${HOST:-localhost}:80', {}).value // 'localhost:80'
 */
export function substituteEnv(text: string, env: Env): Substitution {
  const result: Substitution = { value: '', fromEnv: [], problems: [] };
  if (!text.includes('${')) {
    result.value = text;
    return result;
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    const body = close === -1 ? undefined : text.slice(i + 2, close);
    const m = body === undefined ? null : REFERENCE.exec(body);
    const name = m?.[1];
    if (!m || name === undefined) {
      // Show only the reference itself: the rest of the string may be a literal secret.
      const shown = close === -1 ? '${' : `\${${body}}`;
      result.problems.push(
        `malformed variable reference ${JSON.stringify(shown.slice(0, 40))} (write \${NAME}, \${NAME:-default}, or $\${ for a literal \${)`,
      );
      out += text.slice(i, close === -1 ? text.length : close + 1);
      i = close === -1 ? text.length : close + 1;
      continue;
    }
    const fallback = m[2];
    const set = env[name];
    if (set !== undefined && (set !== '' || fallback === undefined)) {
      out += set;
      result.fromEnv.push(name);
    } else if (fallback !== undefined) {
      out += fallback;
    } else {
      result.problems.push(`environment variable ${name} is not set (set it, or write \${${name}:-default})`);
    }
    i = close + 1;
  }
  result.value = out;
  return result;
}
