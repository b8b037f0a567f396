// The operator's flow on a card: Ready (scan the serial; the scanner's Enter starts the run) -> Testing
// (serial, step, the open prompt in large type with large buttons) -> this unit's verdict -> Ready again.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, apiKey } from '../api.ts';
import { sequenceNames } from '../display.ts';
import { describeError, useLoad } from '../hooks.ts';
import { live } from '../live.ts';
import { checkOperator, rememberOperator, sessionOperator } from '../operator.ts';
import { markStarting, promptAnswered, startFailed } from '../state.ts';
import type { OperatorPrompt, SequenceInfo, VerdictWord } from '../types.ts';
import { checkSerial, parseAnswer } from '../unit.ts';

/** Focuses `el` unless the operator is busy in another field (a second slot's serial, say). */
function focusIfFree(el: HTMLElement | null): void {
  const active = document.activeElement;
  const free = !active || active === document.body || el?.closest('article')?.contains(active);
  if (el && free) el.focus();
}

/** The serial field of a ready card: a keyboard-wedge scanner types the serial and Enter, which starts. */
export function ReadyForm({ batchId }: { batchId: string }) {
  const { t } = useTranslation();
  const [serial, setSerial] = useState('');
  // Typed here only until the session knows who tests (another card's start may have told it since).
  const [typedOperator, setOperator] = useState(sessionOperator);
  const session = sessionOperator();
  const operator = session.id.trim() !== '' ? session : typedOperator;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const serialRef = useRef<HTMLInputElement>(null);
  const needOperator = session.id.trim() === '';

  useEffect(() => focusIfFree(serialRef.current), []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const bad = checkOperator(operator.id) ?? checkSerial(serial);
    setError(bad);
    if (bad) return;
    const serialNumber = serial.trim();
    setBusy(true);
    // Known from now on for every card of this session (checked above; a token's subject needs no memory).
    if (!operator.fromToken) rememberOperator(operator.id);
    live.update((s) => markStarting(s, batchId, serialNumber));
    try {
      await api('POST', `/batches/${batchId}/sequence/start`, {
        parameters: {},
        operator: operator.id.trim(),
        dut: { serialNumber },
      });
      setSerial('');
    } catch (err) {
      live.update((s) => startFailed(s, batchId));
      const field = err instanceof ApiError ? Object.values(err.fieldErrors())[0] : undefined;
      setError(field ?? describeError(err));
      serialRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="ready" onSubmit={submit} noValidate data-testid="ready">
      {needOperator ? (
        <div className="field">
          <label htmlFor={`operator-${batchId}`}>{t('unit.operator')}</label>
          <input
            id={`operator-${batchId}`}
            autoComplete="off"
            placeholder={t('unit.badgePlaceholder')}
            value={operator.id}
            disabled={busy}
            onChange={(e) => setOperator({ id: e.target.value, fromToken: false })}
          />
        </div>
      ) : null}
      <div className="field serial-field">
        <label htmlFor={`serial-${batchId}`}>{t('unit.serial')}</label>
        <div className="serial-row">
          <input
            id={`serial-${batchId}`}
            ref={serialRef}
            data-testid="serial"
            autoComplete="off"
            spellCheck={false}
            enterKeyHint="go"
            placeholder={t('unit.serialPlaceholder')}
            value={serial}
            disabled={busy}
            onChange={(e) => setSerial(e.target.value)}
          />
          <button type="submit" className="btn go" disabled={busy}>
            {busy ? t('unit.starting') : t('unit.testUnit')}
          </button>
        </div>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** A picture from the package: fetched with the session's key, which an `<img src>` could not send. */
function PromptImage({ src, alt }: { src: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    let cancelled = false;
    const key = apiKey();
    fetch(src, { headers: key ? { 'x-api-key': key } : {} })
      .then((res) => (res.ok ? res.blob() : null))
      .then((blob) => {
        if (!blob || cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src]);
  return url ? <img className="prompt-image" src={url} alt={alt} /> : null;
}

/** Time left until the prompt's deadline, as m:ss; never more than it was given (the page's clock ticks once a second). */
function remaining(prompt: OperatorPrompt, now: number): string {
  const deadline = Date.parse(prompt.deadline);
  const left = Math.min(deadline - now, deadline - Date.parse(prompt.openedAt));
  const s = Math.max(0, Math.floor(left / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The question a step asks, in large type, with answers sized for a gloved finger. */
export function PromptPanel({
  batchId,
  sequenceName,
  prompt,
  now,
}: {
  batchId: string;
  /** The running package: its manifest may word the prompt in the page's language. */
  sequenceName: string | undefined;
  prompt: OperatorPrompt;
  now: number;
}) {
  const { t } = useTranslation();
  const seq = useLoad(sequenceName ?? '', () =>
    sequenceName
      ? api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(sequenceName)}`)
      : Promise.resolve(null),
  );
  // In the page's language (useTranslation renders again when it changes), else as the step asked it.
  const message = sequenceNames(seq.data?.manifest).prompt(prompt.step, prompt.message);

  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const panelRef = useRef<HTMLElement>(null);

  // A new question takes the focus (a scanner can answer a text prompt at once), unless the operator is
  // typing at another card.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per question, not on each keystroke.
  useEffect(() => {
    setText('');
    setError(null);
    focusIfFree(panelRef.current?.querySelector<HTMLElement>('input, button') ?? null);
  }, [prompt.id]);

  async function send(raw: string | boolean) {
    const parsed = parseAnswer(prompt, raw);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/batches/${batchId}/prompts/${encodeURIComponent(prompt.id)}`, {
        answer: parsed.value,
      });
      live.update((s) => promptAnswered(s, batchId, prompt.id));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'PROMPT_CLOSED') {
        live.update((s) => promptAnswered(s, batchId, prompt.id));
        return;
      }
      const reason =
        err instanceof ApiError ? (err.details as { reason?: string } | undefined)?.reason : undefined;
      setError(reason ?? describeError(err));
    } finally {
      setBusy(false);
    }
  }

  const typed = prompt.kind === 'text' || prompt.kind === 'number';
  return (
    <section
      ref={panelRef}
      className={`prompt prompt-${prompt.kind}`}
      aria-labelledby={`prompt-${batchId}`}
      aria-live="assertive"
      data-testid="prompt"
      data-prompt={prompt.id}
    >
      <p className="prompt-message" id={`prompt-${batchId}`}>
        {message}
      </p>
      {prompt.image ? <PromptImage src={prompt.image} alt="" /> : null}
      {prompt.kind === 'confirm' ? (
        <div className="prompt-answers">
          <button type="button" className="btn go answer" disabled={busy} onClick={() => send(true)}>
            {t('unit.yes')}
          </button>
          <button type="button" className="btn stop answer" disabled={busy} onClick={() => send(false)}>
            {t('unit.no')}
          </button>
        </div>
      ) : null}
      {prompt.kind === 'choice' ? (
        <div className="prompt-answers">
          {(prompt.options ?? []).map((o) => (
            <button key={o} type="button" className="btn answer" disabled={busy} onClick={() => send(o)}>
              {o}
            </button>
          ))}
        </div>
      ) : null}
      {typed ? (
        <form
          className="prompt-answers"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void send(text);
          }}
        >
          <input
            aria-labelledby={`prompt-${batchId}`}
            data-testid="prompt-input"
            autoComplete="off"
            spellCheck={false}
            inputMode={prompt.kind === 'number' ? 'decimal' : 'text'}
            enterKeyHint="done"
            value={text}
            disabled={busy}
            onChange={(e) => setText(e.target.value)}
          />
          {prompt.kind === 'number' && prompt.unit ? (
            <span className="prompt-unit">{prompt.unit}</span>
          ) : null}
          <button type="submit" className="btn go answer" disabled={busy}>
            {t('unit.ok')}
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <p className="prompt-deadline">{t('unit.answerWithin', { time: remaining(prompt, now) })}</p>
    </section>
  );
}

/** This unit's verdict, large, with its serial. */
export function UnitVerdictBlock({
  verdict,
  serial,
  errorCode,
}: {
  verdict: VerdictWord;
  serial?: string;
  errorCode?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className={`unit-verdict ${verdict.toLowerCase()}`} data-testid="unit-verdict">
      <span className="unit-verdict-word">{t(`verdict.${verdict}`)}</span>
      {verdict === 'ERROR' && errorCode ? <small>{errorCode}</small> : null}
      {serial ? <span className="unit-serial">{t('card.unit', { serial })}</span> : null}
    </div>
  );
}
