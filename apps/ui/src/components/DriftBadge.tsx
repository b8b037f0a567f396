// The drift alarm on a slot's card: a measurement of this slot's recent units breaks a control chart rule
// (`measurement_drift`, kept on the card as `drift`) while the units may still pass. It names the
// measurement and the pattern in the floor's words and links to the trend chart. The gateway takes it off
// the card when a later run of the slot ends without breaking a rule (see apps/ui/README.md).
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ruleWords, trendPath } from '../charts/links.ts';
import { sequenceNames } from '../display.ts';
import { useLoad } from '../hooks.ts';
import { linkTo } from '../router.ts';
import type { MeasurementDrift, SequenceInfo } from '../types.ts';

export function DriftBadge({ drift }: { drift: MeasurementDrift }) {
  const { t } = useTranslation();
  // The package's own name for the measurement (manifest `display`), fetched only for a card with an alarm.
  const seq = useLoad(drift.sequenceName, () =>
    api<SequenceInfo>('GET', `/sequences/${encodeURIComponent(drift.sequenceName)}`),
  );
  const steps = seq.data?.manifest?.steps ?? [];
  const step = steps.find((s) => s.measurements?.some((m) => m.name === drift.measurement))?.name ?? '';
  const name = sequenceNames(seq.data?.manifest).measurement(step, drift.measurement);
  const path = trendPath({
    sequence: drift.sequenceName,
    measurement: drift.measurement,
    batch: drift.batchId,
  });
  return (
    <div className="drift-badge" role="status" data-testid="drift" data-rule={drift.rule}>
      <strong>{t('drift.badge', { measurement: name })}</strong>{' '}
      <span>{t('drift.pattern', { rule: ruleWords(drift.rule, t) })}</span>{' '}
      <span className="drift-advice">{t('drift.advice')}</span>{' '}
      <a className="drift-link" href={path} onClick={linkTo(path)}>
        {t('drift.link')}
      </a>
    </div>
  );
}
