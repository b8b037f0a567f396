// The station overview: one card per batch, in station.yaml order, live from the WebSocket snapshot.
import { useNow } from '../hooks.ts';
import { useLive } from '../live.ts';
import { BatchCard } from './BatchCard.tsx';

/** Every batch of the station as a card. */
export function Overview() {
  const { station, link } = useLive();
  const now = useNow();
  const batches = station.order.map((id) => station.batches[id]).filter((b) => b !== undefined);
  if (batches.length === 0) {
    return (
      <p className="empty">
        {link === 'live' ? 'This station has no batches configured.' : 'Connecting to the station…'}
      </p>
    );
  }
  return (
    <section className="cards" aria-label="Batches">
      {batches.map((b) => (
        <BatchCard key={b.id} b={b} now={now} />
      ))}
    </section>
  );
}
