// `feeds_timeout_of`: a parameter that is a time spent inside some steps (a settle delay, a soak) says so,
// so validation can tell when an allowed value would run those steps into their own timeout.

import type { RuleViolation } from './manifest-rules.ts';
import type { Manifest } from './manifest-schema.ts';

/** Milliseconds per unit a feeding parameter may be given in. */
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000 };

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function segment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The mistakes in `feeds_timeout_of` entries of the manifest as written: a unit that is not a time, a step that is not there. */
export function timeoutFeedViolations(raw: Obj): RuleViolation[] {
  const out: RuleViolation[] = [];
  const steps = new Set(
    (Array.isArray(raw.steps) ? raw.steps : []).map((s) => obj(s)?.name).filter((n) => typeof n === 'string'),
  );
  for (const [name, value] of Object.entries(obj(raw.parameters) ?? {})) {
    const p = obj(value);
    if (!p || !Array.isArray(p.feeds_timeout_of)) continue;
    const at = `/parameters/${segment(name)}`;
    if (typeof p.unit !== 'string' || TIME_UNITS[p.unit] === undefined) {
      const message = `a parameter that feeds a step timeout needs unit ms or s, not ${JSON.stringify(p.unit ?? null)}`;
      out.push({ code: 'BAD_TIMEOUT_FEED', pointer: p.unit === undefined ? at : `${at}/unit`, message });
    }
    p.feeds_timeout_of.forEach((step, i) => {
      if (typeof step === 'string' && !steps.has(step))
        out.push({
          code: 'BAD_TIMEOUT_FEED',
          pointer: `${at}/feeds_timeout_of/${i}`,
          message: `no step named "${step}"`,
        });
    });
  }
  return out;
}

/**
 * The parameters whose allowed range reaches the timeout of a step they feed: a value an operator may
 * enter there is a certain STEP_TIMEOUT. Warnings only; the package still loads.
 */
export function timeoutFeedWarnings(manifest: Manifest): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const [name, p] of Object.entries(manifest.parameters)) {
    const perUnit = TIME_UNITS[p.unit ?? ''];
    if (!p.feeds_timeout_of || perUnit === undefined) continue;
    const at = `/parameters/${segment(name)}`;
    for (const stepName of p.feeds_timeout_of) {
      const step = manifest.steps.find((s) => s.name === stepName);
      if (!step) continue;
      if (p.max === undefined) {
        const message = `"${name}" has no max, so it can reach the ${step.timeoutMs} ms timeout of step "${step.name}"; give it a max below that`;
        out.push({ code: 'TIMEOUT_REACHABLE', pointer: at, message, atKey: true });
      } else if (p.max * perUnit >= step.timeoutMs) {
        const message = `max ${p.max} ${p.unit} reaches the ${step.timeoutMs} ms timeout of step "${step.name}"; lower the max or raise the timeout`;
        out.push({ code: 'TIMEOUT_REACHABLE', pointer: `${at}/max`, message });
      }
    }
  }
  return out;
}
