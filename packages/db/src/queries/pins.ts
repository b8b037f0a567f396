// The sequence version each batch is pinned to (`sequence_pins`): written by the supervisor when an
// engineer pins or rolls back, read by the batch's runner before each start and by the supervisor's reads.
import { eq } from 'drizzle-orm';
import type { StoreHandle } from '../handle.ts';
import { type SequencePinRow, sequencePins } from '../schema.ts';

/** A batch's pin: the version rule (`latest` or exact), when and by whom. */
export type SequencePin = SequencePinRow;

/** Pins `pin.batchId` to `pin.version`, replacing any earlier pin of that batch. */
export function setSequencePin(store: StoreHandle, pin: SequencePin): void {
  const { batchId, ...rest } = pin;
  store.db
    .insert(sequencePins)
    .values(pin)
    .onConflictDoUpdate({ target: sequencePins.batchId, set: rest })
    .run();
}

/** The batch's pin, or undefined when none was set (its station.yaml rule applies). */
export function sequencePin(store: StoreHandle, batchId: string): SequencePin | undefined {
  return store.db.select().from(sequencePins).where(eq(sequencePins.batchId, batchId)).get();
}

/** The version rule a batch follows: its pin, else station.yaml's `sequence_version`, else `latest`. */
export interface BatchRule {
  rule: string;
  source: 'config' | 'pin';
  pin?: SequencePin;
}

/** The rule batch `batchId` follows, given its station.yaml `sequence_version` (`configured`). */
export function batchVersionRule(store: StoreHandle, batchId: string, configured?: string): BatchRule {
  const pin = sequencePin(store, batchId);
  if (pin) return { rule: pin.version, source: 'pin', pin };
  return { rule: configured ?? 'latest', source: 'config' };
}
