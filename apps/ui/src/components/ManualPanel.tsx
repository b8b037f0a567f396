// Manual control: pick an instrument command, fill its parameters from the driver's schema, run it and
// see the answer at once. Locked, with the reason, whenever the runner would refuse (MC-003).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { stateWord, value } from '../format.ts';
import { describeError } from '../hooks.ts';
import { t } from '../i18n.ts';
import { useLive } from '../live.ts';
import { checkValues, type FormValues, initialValues, serverFieldErrors } from '../params.ts';
import type { BatchStatus, CommandResult, ManualCommand, ParamSpec } from '../types.ts';
import { ParamFields } from './ParamFields.tsx';

function lockReason(b: BatchStatus, waiting: boolean): string | null {
  if (b.status !== 'running') return t('manual.lockedProcess', { state: stateWord(b.status, false) });
  // The instruments stay the sequence's while it waits for the operator, too.
  if (b.sequenceRunning && waiting) return t('manual.lockedPrompt');
  if (b.sequenceRunning) return t('manual.lockedRunning');
  return null;
}

/** The manual control panel of one batch. */
export function ManualPanel({ b, commands }: { b: BatchStatus; commands: ManualCommand[] }) {
  // Re-renders on a language change (lockReason reads the module's `t`).
  useTranslation();
  const [choice, setChoice] = useState(0);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const waiting = useLive().station.live[b.id]?.prompt !== undefined;
  const locked = lockReason(b, waiting);
  const cmd = commands[choice];
  const schema = (cmd?.params ?? {}) as Record<string, ParamSpec>;

  function pick(i: number) {
    setChoice(i);
    setValues(initialValues((commands[i]?.params ?? {}) as Record<string, ParamSpec>));
    setErrors({});
    setOutcome(null);
  }

  async function run(e: React.FormEvent) {
    e.preventDefault();
    if (!cmd || locked) return;
    const checked = checkValues(schema, values);
    setErrors(checked.errors);
    if (Object.keys(checked.errors).length > 0) return;
    setBusy(true);
    setOutcome(null);
    try {
      const r = await api<CommandResult>('POST', `/batches/${b.id}/manual`, {
        hardware: cmd.hardware,
        command: cmd.command,
        params: checked.values,
      });
      setOutcome({
        ok: true,
        text: `${r.hardware}.${r.command} → ${value(r.result)} (${Math.round(r.duration * 1000)} ms)`,
      });
    } catch (err) {
      if (err instanceof ApiError) setErrors(serverFieldErrors(err.fieldErrors()));
      setOutcome({ ok: false, text: describeError(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel manual" aria-labelledby="manual-title">
      <h2 id="manual-title">{t('manual.title')}</h2>
      {locked ? (
        <p className="locked" role="status" data-testid="manual-locked">
          {locked}
        </p>
      ) : null}
      {commands.length === 0 ? <p className="muted">{t('manual.none')}</p> : null}
      {commands.length > 0 ? (
        <form onSubmit={run} noValidate>
          <fieldset disabled={locked !== null || busy}>
            <div className="field">
              <label htmlFor="manual-command">{t('manual.command')}</label>
              <select id="manual-command" value={choice} onChange={(e) => pick(Number(e.target.value))}>
                {commands.map((c, i) => (
                  <option key={`${c.hardware}.${c.command}`} value={i}>
                    {c.hardware} · {c.command}
                    {c.description ? ` — ${c.description}` : ''}
                  </option>
                ))}
              </select>
            </div>
            <ParamFields
              idPrefix="manual"
              schema={schema}
              values={values}
              errors={errors}
              onChange={(name, v) => setValues((s) => ({ ...s, [name]: v }))}
            />
            <button type="submit" className="btn go">
              {busy ? t('manual.running') : t('manual.run')}
            </button>
          </fieldset>
        </form>
      ) : null}
      {outcome ? (
        <output className={`outcome ${outcome.ok ? 'ok' : 'bad'}`} data-testid="manual-result">
          {outcome.text}
        </output>
      ) : null}
    </section>
  );
}
