// Parses and checks manifest.yaml: YAML syntax, the schema, then the rules a schema cannot say (duplicate
// steps, defaults outside their own limits, impossible limits). Every problem carries its line.
import { Value } from '@sinclair/typebox/value';
import { isReservedName } from '@station/bus/reserved';
import { toMilliseconds } from './duration.ts';
import type { Problem, ProblemCode } from './errors.ts';
import { checkField } from './fields.ts';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  type Manifest,
  type ParameterSpec,
  type RawManifest,
  RawManifestSchema,
  type StepSpec,
} from './manifest-schema.ts';
import type { FieldSpec, SimpleSchema } from './sdk.ts';
import { pointerToPath, readYaml, type YamlSource } from './yaml-source.ts';

/** The manifest file name inside a package folder. */
export const MANIFEST_FILE = 'manifest.yaml';

/** A parsed manifest: `manifest` is set only when there are no problems. */
export interface ManifestResult {
  manifest?: Manifest;
  /** The raw data, when the YAML parsed (even if invalid), so listings can still show name/version. */
  raw?: unknown;
  problems: Problem[];
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
    timeoutMs: s.timeout === undefined ? DEFAULT_STEP_TIMEOUT_MS : (toMilliseconds(s.timeout) ?? 0),
    retries: s.retries ?? 0,
    retryDelayMs: s.retry_delay === undefined ? 0 : (toMilliseconds(s.retry_delay) ?? 0),
    cleanup: s.cleanup ?? false,
    measurements: (s.measurements ?? []).map((m) => ({ ...m })),
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
  return {
    name: raw.name,
    version: raw.version,
    description: raw.description ?? '',
    parameters,
    hardware,
    steps,
  };
}

function semanticProblems(m: Manifest, src: YamlSource, file: string): Problem[] {
  const out: Problem[] = [];
  const add = (code: ProblemCode, pointer: string, message: string, key = false) => {
    const pos = key ? src.locateKey(pointer) : src.locate(pointer);
    out.push({ code, file, ...pos, path: pointerToPath(pointer), message });
  };
  const firstIndex = new Map<string, number>();
  m.steps.forEach((step, i) => {
    const first = firstIndex.get(step.name);
    if (first === undefined) firstIndex.set(step.name, i);
    else
      add(
        'DUPLICATE_STEP',
        `/steps/${i}/name`,
        `duplicate step name "${step.name}" (first at steps[${first}])`,
      );
    const names = new Set<string>();
    step.measurements.forEach((meas, j) => {
      const at = `/steps/${i}/measurements/${j}`;
      if (names.has(meas.name)) add('BAD_LIMITS', `${at}/name`, `duplicate measurement "${meas.name}"`);
      names.add(meas.name);
      if (meas.low !== undefined && meas.high !== undefined && meas.low > meas.high) {
        add('BAD_LIMITS', `${at}/low`, `low limit ${meas.low} is above high limit ${meas.high}`);
      }
      if (meas.equals !== undefined && (meas.low !== undefined || meas.high !== undefined)) {
        add('BAD_LIMITS', `${at}/equals`, 'give either equals or low/high, not both');
      }
    });
  });
  for (const [name, p] of Object.entries(m.parameters)) {
    const at = `/parameters/${name}`;
    if (isReservedName(name))
      add('SCHEMA', at, `"${name}" is a reserved name; call the parameter something else`, true);
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) {
      add('BAD_LIMITS', `${at}/min`, `min ${p.min} is above max ${p.max}`);
    }
    if (p.default === undefined) continue;
    const mismatch = checkField(p, p.default);
    if (mismatch) add('BAD_DEFAULT', `${at}/default`, `default ${mismatch.message}`);
  }
  for (const [name, h] of Object.entries(m.hardware)) {
    for (const [opt, spec] of Object.entries(h.options)) {
      if (spec.default === undefined) continue;
      const mismatch = checkField(spec, spec.default);
      const at = `/hardware/${name}/options/${opt}/default`;
      if (mismatch) add('BAD_DEFAULT', at, `default ${mismatch.message}`);
    }
  }
  return out;
}

/** Parses manifest text. `file` is the name used in problems. */
export function parseManifest(text: string, file = MANIFEST_FILE): ManifestResult {
  const src = readYaml(text);
  if (src.errors.length > 0) {
    return {
      problems: src.errors.map((e) => ({ code: 'YAML_SYNTAX', file, ...e.position, message: e.message })),
    };
  }
  const problems = schemaProblems(src, file);
  if (problems.length > 0) return { raw: src.value, problems, locate: src.locate };
  const manifest = normalise(src.value as RawManifest);
  const semantic = semanticProblems(manifest, src, file);
  if (semantic.length > 0) return { raw: src.value, problems: semantic, locate: src.locate };
  return { manifest, raw: src.value, problems: [], locate: src.locate };
}
