// The manifest.yaml schema (as written, snake_case) and the typed manifest the rest of the code uses.
import { type Static, Type } from '@sinclair/typebox';
import { DURATION_PATTERN } from './duration.ts';
import { type DutSpec, SERIAL_MODES } from './dut.ts';
import { PACKAGE_NAME_PATTERN, PACKAGE_NAME_RULE } from './names.ts';
import type { FieldType, ParamValue, SimpleSchema } from './sdk.ts';

/** Step names are export names of `sequence.ts`. */
export const STEP_NAME_PATTERN = '^[A-Za-z_$][A-Za-z0-9_$]*$';
/** Semantic version 2.0.0 (pre-release and build allowed). */
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$';

// `errorMessage` replaces TypeBox's generic text ("Expected union value") with what a manifest author
// needs to read.
const scalar = Type.Union([Type.Number(), Type.String(), Type.Boolean()], {
  errorMessage: 'expected a number, string or boolean',
});
const fieldType = Type.Union(
  ['number', 'integer', 'string', 'boolean'].map((t) => Type.Literal(t)),
  { errorMessage: 'expected one of number, integer, string, boolean' },
);
const duration = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
  errorMessage: "expected milliseconds or a duration such as '10s' or '250ms'",
});
const text = Type.String();

/** The languages a package may name its steps, parameters and measurements in (the UI's languages). */
export const DISPLAY_LANGUAGES = ['ko', 'en'] as const;
export type DisplayLanguage = (typeof DISPLAY_LANGUAGES)[number];
/** A name as people read it, per language: `display: { ko: 출력 전압, en: Output voltage }`. */
export type DisplayNames = Partial<Record<DisplayLanguage, string>>;

const DisplaySchema = Type.Object(
  {
    ko: Type.Optional(Type.String({ minLength: 1, errorMessage: 'expected a name in Korean' })),
    en: Type.Optional(Type.String({ minLength: 1, errorMessage: 'expected a name in English' })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    errorMessage: `expected a mapping of ${DISPLAY_LANGUAGES.join(', ')} to the name shown in that language`,
  },
);

const ParameterSchema = Type.Object(
  {
    type: fieldType,
    default: Type.Optional(scalar),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    enum: Type.Optional(Type.Array(scalar, { minItems: 1 })),
    unit: Type.Optional(text),
    description: Type.Optional(text),
    display: Type.Optional(DisplaySchema),
    feeds_timeout_of: Type.Optional(
      Type.Array(Type.String({ pattern: STEP_NAME_PATTERN }), {
        minItems: 1,
        errorMessage: 'expected a list of step names',
      }),
    ),
  },
  { additionalProperties: false },
);

const OptionSchema = Type.Object(
  {
    type: fieldType,
    default: Type.Optional(scalar),
    required: Type.Optional(Type.Boolean()),
    description: Type.Optional(text),
  },
  { additionalProperties: false },
);

const HardwareSchema = Type.Object(
  {
    driver: Type.String({
      pattern: PACKAGE_NAME_PATTERN,
      errorMessage: `expected a driver name (${PACKAGE_NAME_RULE})`,
    }),
    description: Type.Optional(text),
    options: Type.Optional(Type.Record(Type.String(), OptionSchema)),
  },
  { additionalProperties: false },
);

const MeasurementSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    low: Type.Optional(Type.Number()),
    high: Type.Optional(Type.Number()),
    equals: Type.Optional(scalar),
    unit: Type.Optional(text),
    description: Type.Optional(text),
    display: Type.Optional(DisplaySchema),
  },
  { additionalProperties: false },
);

/** A question a step asks the operator, in the page's language: matched by the text the step passes. */
const PromptDisplaySchema = Type.Object(
  {
    message: Type.String({ minLength: 1, errorMessage: 'expected the message as the step passes it' }),
    display: DisplaySchema,
  },
  { additionalProperties: false },
);

const StepSchema = Type.Object(
  {
    name: Type.String({
      pattern: STEP_NAME_PATTERN,
      errorMessage: 'expected a JavaScript identifier (the name of the exported step function)',
    }),
    description: Type.Optional(text),
    display: Type.Optional(DisplaySchema),
    timeout: Type.Optional(duration),
    retries: Type.Optional(Type.Integer({ minimum: 0, errorMessage: 'expected an integer >= 0' })),
    retry_delay: Type.Optional(duration),
    cleanup: Type.Optional(Type.Boolean()),
    measurements: Type.Optional(Type.Array(MeasurementSchema)),
    prompts: Type.Optional(Type.Array(PromptDisplaySchema)),
  },
  { additionalProperties: false },
);

const DutBlockSchema = Type.Object(
  {
    serial: Type.Optional(
      Type.Union(
        SERIAL_MODES.map((m) => Type.Literal(m)),
        { errorMessage: 'expected one of required, optional, none' },
      ),
    ),
    serial_pattern: Type.Optional(
      Type.String({ minLength: 1, errorMessage: 'expected a regular expression such as SN-[0-9]{6}' }),
    ),
  },
  { additionalProperties: false },
);

/** What a new runner does with a run its crashed runner cut off (`resume:`). */
export const RESUME_MODES = ['off', 'after_last_completed'] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];

/** manifest.yaml as written. */
export const RawManifestSchema = Type.Object(
  {
    name: Type.String({
      pattern: PACKAGE_NAME_PATTERN,
      errorMessage: `expected a package name (${PACKAGE_NAME_RULE})`,
    }),
    version: Type.String({
      pattern: SEMVER_PATTERN,
      errorMessage: 'expected a semantic version such as 1.2.0',
    }),
    description: Type.Optional(text),
    parameters: Type.Optional(Type.Record(Type.String({ pattern: STEP_NAME_PATTERN }), ParameterSchema)),
    hardware: Type.Optional(Type.Record(Type.String({ pattern: PACKAGE_NAME_PATTERN }), HardwareSchema)),
    /** The unit under test: whether a run needs its serial number and what the serial must look like. */
    dut: Type.Optional(DutBlockSchema),
    /** After a runner crash: `after_last_completed` continues the cut-off run; `off` (default) retests. */
    resume: Type.Optional(
      Type.Union(
        RESUME_MODES.map((m) => Type.Literal(m)),
        { errorMessage: 'expected one of off, after_last_completed' },
      ),
    ),
    steps: Type.Array(StepSchema, { minItems: 1, errorMessage: 'expected a list of at least one step' }),
  },
  { additionalProperties: false },
);

/** manifest.yaml as written, once it matches the schema. */
export type RawManifest = Static<typeof RawManifestSchema>;

/** Step timeout when the manifest gives none. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/** A runtime parameter declaration. */
export interface ParameterSpec {
  type: FieldType;
  default?: ParamValue;
  min?: number;
  max?: number;
  enum?: ParamValue[];
  unit?: string;
  description?: string;
  /** The parameter's name per language, shown instead of its id. */
  display?: DisplayNames;
  /** Steps whose timeout this parameter's value (a time in `unit` ms or s) is spent inside. */
  feeds_timeout_of?: string[];
}

/** A hardware requirement: which driver and which options it takes. */
export interface HardwareSpec {
  driver: string;
  description?: string;
  options: SimpleSchema;
}

/** A declared measurement with its limits; low/high are inclusive. */
export interface MeasurementSpec {
  name: string;
  low?: number;
  high?: number;
  equals?: ParamValue;
  unit?: string;
  description?: string;
  /** The measurement's name per language, shown instead of its id. */
  display?: DisplayNames;
}

/** A step, durations in milliseconds. */
export interface StepSpec {
  name: string;
  description?: string;
  /** The step's name per language, shown instead of its id. */
  display?: DisplayNames;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  cleanup: boolean;
  measurements: MeasurementSpec[];
  /**
   * The step's operator prompts per language: `message` is the text the step passes to `ctx.prompt`
   * (what results and the API carry), `display` what the UI shows instead, in the page's language.
   */
  prompts?: PromptDisplay[];
}

/** One operator prompt's text per language (a step's `prompts`). */
export interface PromptDisplay {
  message: string;
  display: DisplayNames;
}

/** The typed manifest: defaults applied, durations in ms. */
export interface Manifest {
  name: string;
  version: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
  hardware: Record<string, HardwareSpec>;
  dut: DutSpec;
  /** `after_last_completed`: a run cut off by a runner crash is continued by the next runner (absent: off). */
  resume?: ResumeMode;
  steps: StepSpec[];
}
