// Inputs generated from a parameter schema: number fields with their range and unit, selects for
// allowed values, checkboxes for booleans; each field shows its own problem next to it.
import { useTranslation } from 'react-i18next';
import { displayName } from '../display.ts';
import { describeRange, type FormValues } from '../params.ts';
import type { ParamSpec } from '../types.ts';

interface Props {
  idPrefix: string;
  schema: Record<string, ParamSpec>;
  values: FormValues;
  errors: Record<string, string>;
  disabled?: boolean;
  onChange(name: string, value: string | boolean): void;
}

/** One labelled input per parameter, in schema order. */
export function ParamFields({ idPrefix, schema, values, errors, disabled, onChange }: Props) {
  const { t } = useTranslation();
  const names = Object.keys(schema);
  if (names.length === 0) return <p className="muted">{t('params.none')}</p>;
  return (
    <div className="fields">
      {names.map((name) => {
        const spec = schema[name]!;
        const id = `${idPrefix}-${name}`;
        const error = errors[name];
        const hint = [
          spec.description,
          describeRange(spec),
          spec.default !== undefined ? t('params.default', { value: String(spec.default) }) : '',
        ]
          .filter(Boolean)
          .join(' · ');
        const common = {
          id,
          name,
          disabled,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': `${id}-hint${error ? ` ${id}-error` : ''}`,
        };
        let input: React.ReactNode;
        if (spec.type === 'boolean') {
          input = (
            <input
              {...common}
              type="checkbox"
              checked={values[name] === true}
              onChange={(e) => onChange(name, e.target.checked)}
            />
          );
        } else if (spec.enum) {
          input = (
            <select
              {...common}
              value={String(values[name] ?? '')}
              onChange={(e) => onChange(name, e.target.value)}
            >
              {spec.enum.map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          );
        } else {
          const numeric = spec.type === 'number' || spec.type === 'integer';
          input = (
            <input
              {...common}
              type="text"
              inputMode={numeric ? 'decimal' : undefined}
              value={String(values[name] ?? '')}
              onChange={(e) => onChange(name, e.target.value)}
            />
          );
        }
        return (
          <div className={`field${error ? ' invalid' : ''}`} key={name} data-field={name}>
            <label htmlFor={id}>
              {displayName(spec.display, name)}
              {spec.display ? <code className="param-id"> {name}</code> : null}
              {spec.unit ? <span className="unit"> [{spec.unit}]</span> : null}
              {spec.required ? <span className="req"> *</span> : null}
            </label>
            {input}
            <small id={`${id}-hint`} className="hint">
              {hint}
            </small>
            {error ? (
              <strong id={`${id}-error`} className="field-error" role="alert">
                {error}
              </strong>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
