// The start-sequence form: fields from the package's parameter schema, checked here before sending;
// the runner's 422 field errors land next to the field they name.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { live } from '../live.ts';
import { useModal } from '../modal.ts';
import { checkOperator, rememberOperator, sessionOperator } from '../operator.ts';
import { checkValues, type FormValues, initialValues, serverFieldErrors } from '../params.ts';
import { markStarting, startFailed } from '../state.ts';
import type { BatchDetail, ParamSpec, SequenceInfo } from '../types.ts';
import { checkSerial } from '../unit.ts';
import { ParamFields } from './ParamFields.tsx';

/** The parameter inputs of the form (everything but the operator and serial fields). */
const PARAM_FIELDS =
  '[data-field]:not([data-field="operator"]):not([data-field="serial"]) :is(input, select)';

interface Props {
  batchId: string;
  sequenceName: string;
  onClose(): void;
}

/** A dialog that starts a sequence on `batchId` with the parameters the operator chose. */
export function StartSequence({ batchId, sequenceName, onClose }: Props) {
  const { t } = useTranslation();
  const [schema, setSchema] = useState<Record<string, ParamSpec> | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Who is testing: asked once per session (badge or typed), fixed when a token says who is signed in.
  const [operator, setOperator] = useState(sessionOperator);
  const [operatorError, setOperatorError] = useState<string | null>(null);
  // The unit under test; optional here (a package may read the serial from the unit itself).
  const [serial, setSerial] = useState('');
  const [serialError, setSerialError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useModal(formRef, onClose);

  useEffect(() => {
    // The batch's configured parameters pre-fill the form; the manifest's defaults fill the rest.
    Promise.all([
      api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(sequenceName)}`),
      api<BatchDetail>('GET', `/batches/${batchId}`),
    ])
      .then(([info, detail]) => {
        const params = info.manifest?.parameters ?? {};
        setSchema(params);
        setValues(initialValues(params, detail.parameters));
        if (!info.valid) setProblem(t('start.doesNotLoad', { name: sequenceName }));
      })
      .catch((err: unknown) => setProblem(err instanceof Error ? err.message : String(err)));
  }, [sequenceName, batchId, t]);

  // Keyboard users (and badge scanners) land in the first empty field once the schema is there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the form appears, not on each keystroke.
  useEffect(() => {
    if (!schema) return;
    const form = formRef.current;
    const target = operator.id ? form?.querySelector<HTMLElement>(PARAM_FIELDS) : null;
    (target ?? form?.querySelector<HTMLElement>('input, select'))?.focus();
  }, [schema]);

  /** A scanner ends the badge with Enter: move on to the parameters rather than start at once. */
  function operatorKey(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    formRef.current?.querySelector<HTMLElement>(`${PARAM_FIELDS}, button[type="submit"]`)?.focus();
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!schema) return;
    const checked = checkValues(schema, values);
    const badOperator = checkOperator(operator.id);
    const serialNumber = serial.trim();
    const badSerial = serialNumber === '' ? null : checkSerial(serialNumber);
    setErrors(checked.errors);
    setOperatorError(badOperator);
    setSerialError(badSerial);
    setProblem(null);
    if (Object.keys(checked.errors).length > 0 || badOperator || badSerial) return;
    setBusy(true);
    // The card drops the previous unit's verdict as the start goes out.
    live.update((s) => markStarting(s, batchId, serialNumber));
    try {
      const body = {
        parameters: checked.values,
        operator: operator.id.trim(),
        ...(serialNumber ? { dut: { serialNumber } } : {}),
      };
      await api('POST', `/batches/${batchId}/sequence/start`, body);
      if (!operator.fromToken) rememberOperator(operator.id);
      onClose();
    } catch (err) {
      live.update((s) => startFailed(s, batchId));
      if (err instanceof ApiError) {
        const fields = serverFieldErrors(err.fieldErrors());
        setErrors(fields);
        setProblem(Object.keys(fields).length ? t('start.refused') : `${err.code}: ${err.message}`);
      } else setProblem(String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="dialog-backdrop">
      <form
        ref={formRef}
        className="dialog"
        aria-labelledby={`start-${batchId}-title`}
        aria-modal="true"
        role="dialog"
        onSubmit={submit}
        tabIndex={-1}
        noValidate
      >
        <h2 id={`start-${batchId}-title`}>{t('start.title', { sequence: sequenceName, batch: batchId })}</h2>
        <div className="field" data-field="operator">
          <label htmlFor={`start-${batchId}-operator`}>{t('unit.operator')}</label>
          <input
            id={`start-${batchId}-operator`}
            autoComplete="off"
            value={operator.id}
            readOnly={operator.fromToken}
            disabled={busy}
            placeholder={t('unit.badgePlaceholder')}
            onChange={(e) => setOperator({ id: e.target.value, fromToken: false })}
            onKeyDown={operatorKey}
          />
          {operator.fromToken ? <span className="hint">{t('start.signedIn')}</span> : null}
          {operatorError ? <span className="field-error">{operatorError}</span> : null}
        </div>
        <div className="field" data-field="serial">
          <label htmlFor={`start-${batchId}-serial`}>{t('unit.serial')}</label>
          <input
            id={`start-${batchId}-serial`}
            autoComplete="off"
            spellCheck={false}
            value={serial}
            disabled={busy}
            placeholder={t('start.serialPlaceholder')}
            onChange={(e) => setSerial(e.target.value)}
          />
          {serialError ? <span className="field-error">{serialError}</span> : null}
        </div>
        {schema === null && !problem ? <p>{t('start.loading')}</p> : null}
        {schema ? (
          <ParamFields
            idPrefix={`start-${batchId}`}
            schema={schema}
            values={values}
            errors={errors}
            disabled={busy}
            onChange={(name, v) => setValues((s) => ({ ...s, [name]: v }))}
          />
        ) : null}
        {problem ? (
          <p className="form-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" className="btn go" disabled={busy || schema === null}>
            {busy ? t('start.starting') : t('start.submit')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('start.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
