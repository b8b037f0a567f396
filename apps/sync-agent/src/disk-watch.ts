// The sync agent's word on free space: a line in the log each time the data folder crosses
// `storage.warn_free_mb` or `min_free_mb` (and when it is back), so an offline station, which keeps every
// result until a Backend takes it, says in time that its disk is filling. Health and the UI say it too.
import type { Logger } from '@station/log';
import type { StorageLevel, StorageState } from '@station/service/storage';

/** Checks every `everyMs`; returns a function that stops it. */
export function watchDisk(
  storage: { state(): StorageState },
  logger: Logger,
  mode: 'online' | 'offline',
  everyMs = 60_000,
): () => void {
  const check = diskCheck(storage, logger, mode);
  check();
  const timer = setInterval(check, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** One check per call: logs when the level differs from the previous call's. */
export function diskCheck(
  storage: { state(): StorageState },
  logger: Logger,
  mode: 'online' | 'offline',
): () => void {
  let last: StorageLevel = 'ok';
  return () => {
    const s = storage.state();
    if (s.level === last) return;
    last = s.level;
    const fields = { freeBytes: s.freeBytes, minFreeBytes: s.minFreeBytes, warnFreeBytes: s.warnFreeBytes };
    if (s.level === 'ok') {
      logger.info(fields, 'disk: free space is above storage.warn_free_mb again');
      return;
    }
    const offline =
      mode === 'offline'
        ? ' (offline mode keeps every result until a Backend takes it: free space or configure backend.url)'
        : '';
    logger.warn(fields, `disk: ${s.reason}${offline}`);
  };
}
