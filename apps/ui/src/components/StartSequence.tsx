// The start-sequence form: fields from the package's parameter schema, checked here before sending;
// the runner's 422 field errors land next to the field they name.
import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { checkValues, type FormValues, initialValues, serverFieldErrors } from '../params.ts';
import type { BatchDetail, ParamSpec, SequenceInfo } from '../types.ts';
import { ParamFields } from './ParamFields.tsx';

interface Props {
  batchId: string;
  sequenceName: string;
  onClose(): void;
}

/** A dialog that starts a sequence on `batchId` with the parameters the operator chose. */
export function StartSequence({ batchId, sequenceName, onClose }: Props) {
  const [schema, setSchema] = useState<Record<string, ParamSpec> | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

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
        if (!info.valid) setProblem(`package ${sequenceName} does not load`);
      })
      .catch((err: unknown) => setProblem(err instanceof Error ? err.message : String(err)));
  }, [sequenceName, batchId]);

  // Keyboard users land in the first field once the schema is there.
  useEffect(() => {
    if (schema) formRef.current?.querySelector<HTMLElement>('input, select')?.focus();
  }, [schema]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!schema) return;
    const checked = checkValues(schema, values);
    setErrors(checked.errors);
    setProblem(null);
    if (Object.keys(checked.errors).length > 0) return;
    setBusy(true);
    try {
      await api('POST', `/batches/${batchId}/sequence/start`, { parameters: checked.values });
      onClose();
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = serverFieldErrors(err.fieldErrors());
        setErrors(fields);
        setProblem(
          Object.keys(fields).length ? 'The station refused some parameters.' : `${err.code}: ${err.message}`,
        );
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
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        noValidate
      >
        <h2 id={`start-${batchId}-title`}>
          Start {sequenceName} on {batchId}
        </h2>
        {schema === null && !problem ? <p>Loading parameters…</p> : null}
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
            {busy ? 'Starting…' : 'Start sequence'}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
