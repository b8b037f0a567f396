// Parses and checks manifest.yaml: YAML syntax, the schema, and the rules a schema cannot say
// (manifest-rules.ts), all in one pass. Every problem carries its line and column.
import { Value } from '@sinclair/typebox/value';
import { toMilliseconds } from './duration.ts';
import { DEFAULT_DUT_SPEC, type DutSpec } from './dut.ts';
import type { Problem } from './errors.ts';
import { manifestRuleViolations, type RuleViolation } from './manifest-rules.ts';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  type Manifest,
  type ParameterSpec,
  type RawManifest,
  RawManifestSchema,
  STEP_NAME_PATTERN,
  type StepSpec,
} from './manifest-schema.ts';
import { isValidPackageName } from './names.ts';
import type { FieldSpec, SimpleSchema } from './sdk.ts';
import { timeoutFeedWarnings } from './timeout-feeds.ts';
import { pointerToPath, readYaml, type YamlSource } from './yaml-source.ts';

/** The manifest file name inside a package folder. */
export const MANIFEST_FILE = 'manifest.yaml';

/** A parsed manifest: `manifest` is set only when there are no problems. */
export interface ManifestResult {
  manifest?: Manifest;
  /** The raw data, when the YAML parsed (even if invalid), so listings can still show name/version. */
  raw?: unknown;
  problems: Problem[];
  /** What loads but will likely fail at run time (a parameter range reaching a step timeout). */
  warnings: Problem[];
  /** Position of the value at a JSON pointer, for later checks that want to point into the manifest. */
  locate?: YamlSource['locate'];
}

function schemaProblems(src: YamlSource, file: string): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const err of Value.Errors(RawManifestSchema, src.value)) {
    // A union reports once per member; one problem per field is what a reader wants.
    if (seen.has(err.path)) continue;
    seen.add(err.path);
    const custom = (err.schema as { errorMessage?: unknown }).errorMessage;
    let message = typeof custom === 'string' ? custom : err.message.replace(/^Expected/, 'expected');
    // TypeBox reports a missing key at the key's own path and an unknown key there too; both read better
    // said plainly, and a missing key is best shown where its mapping starts.
    const key = err.path.slice(err.path.lastIndexOf('/') + 1);
    if (err.value === undefined) message = `missing required key "${key}"`;
    else if (/unexpected property/i.test(message)) message = `unknown key "${key}"`;
    const pos = err.value === undefined ? src.locate(err.path) : src.locateKey(err.path);
    out.push({ code: 'SCHEMA', file, ...pos, path: pointerToPath(err.path), message });
  }
  return out;
}

function normaliseOptions(raw: NonNullable<RawManifest['hardware']>[string]['options']): SimpleSchema {
  const out: SimpleSchema = {};
  for (const [name, o] of Object.entries(raw ?? {})) out[name] = { ...o } as FieldSpec;
  return out;
}

function normalise(raw: RawManifest): Manifest {
  const steps: StepSpec[] = raw.steps.map((s) => ({
    name: s.name,
    ...(s.description === undefined ? {} : { description: s.description }),
    ...(s.display === undefined ? {} : { display: { ...s.display } }),
    timeoutMs: s.timeout === undefined ? DEFAULT_STEP_TIMEOUT_MS : (toMilliseconds(s.timeout) ?? 0),
    retries: s.retries ?? 0,
    retryDelayMs: s.retry_delay === undefined ? 0 : (toMilliseconds(s.retry_delay) ?? 0),
    cleanup: s.cleanup ?? false,
    measurements: (s.measurements ?? []).map((m) => ({ ...m })),
    ...(s.prompts === undefined
      ? {}
      : { prompts: s.prompts.map((q) => ({ message: q.message, display: { ...q.display } })) }),
  }));
  const hardware: Manifest['hardware'] = {};
  for (const [name, h] of Object.entries(raw.hardware ?? {})) {
    hardware[name] = {
      driver: h.driver,
      ...(h.description === undefined ? {} : { description: h.description }),
      options: normaliseOptions(h.options),
    };
  }
  const parameters: Manifest['parameters'] = {};
  for (const [name, p] of Object.entries(raw.parameters ?? {})) parameters[name] = { ...p } as ParameterSpec;
  const dut: DutSpec = {
    serial: raw.dut?.serial ?? DEFAULT_DUT_SPEC.serial,
    ...(raw.dut?.serial_pattern === undefined ? {} : { serialPattern: raw.dut.serial_pattern }),
  };
  return {
    name: raw.name,
    version: raw.version,
    description: raw.description ?? '',
    parameters,
    hardware,
    dut,
    resume: raw.resume ?? 'off',
    steps,
  };
}

/** Parses manifest text. `file` is the name used in problems. */
export function parseManifest(text: string, file = MANIFEST_FILE): ManifestResult {
  const src = readYaml(text);
  if (src.errors.length > 0) {
    return {
      problems: src.errors.map((e) => ({ code: 'YAML_SYNTAX', file, ...e.position, message: e.message })),
      warnings: [],
    };
  }
  const problems = schemaProblems(src, file);
  const located = (v: RuleViolation): Problem => {
    const at = v.atKey ? src.locateKey(v.pointer) : src.locate(v.pointer);
    return { code: v.code, file, ...at, path: pointerToPath(v.pointer), message: v.message };
  };
  // The rules run on the manifest as written even when the schema found problems, so the author sees every
  // mistake at once; a field the schema already faulted is not reported twice.
  const faulted = new Set(problems.map((p) => p.path));
  for (const v of manifestRuleViolations(src.value)) {
    if (!faulted.has(pointerToPath(v.pointer))) problems.push(located(v));
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (problems.length > 0) return { raw: src.value, problems, warnings: [], locate: src.locate };
  const manifest = normalise(src.value as RawManifest);
  const warnings = timeoutFeedWarnings(manifest).map(located);
  return { manifest, raw: src.value, problems: [], warnings, locate: src.locate };
}

/** `v[key]` when `v` is a mapping, else undefined. */
function member(v: unknown, key: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Step names and hardware drivers as written, from whatever part of a manifest is readable: the loader
 * checks them against sequence.ts and the drivers even when the manifest has other mistakes.
 */
export function writtenParts(raw: unknown): {
  steps: { name: string; index: number }[];
  hardware: { name: string; driver: string }[];
} {
  const stepName = new RegExp(STEP_NAME_PATTERN);
  const rawSteps = member(raw, 'steps');
  const steps = (Array.isArray(rawSteps) ? rawSteps : []).flatMap((step: unknown, index) => {
    const name = member(step, 'name');
    return typeof name === 'string' && stepName.test(name) ? [{ name, index }] : [];
  });
  const rawHardware = member(raw, 'hardware');
  const entries = rawHardware !== null && typeof rawHardware === 'object' ? Object.entries(rawHardware) : [];
  const hardware = entries.flatMap(([name, h]: [string, unknown]) => {
    const driver = member(h, 'driver');
    return typeof driver === 'string' && isValidPackageName(driver) ? [{ name, driver }] : [];
  });
  return { steps, hardware };
}
