// A runner must not outlive its supervisor: it watches the parent and shuts down when it is gone.

/**
 * Calls `onGone` once the process `parentPid` no longer exists (or we were re-parented, which is how a
 * SIGKILLed parent shows). Polls, because nothing in POSIX tells a child that its parent died.
 */
export function watchParent(parentPid: number, onGone: () => void, everyMs = 500): () => void {
  const timer = setInterval(() => {
    let alive = process.ppid === parentPid;
    if (alive) {
      try {
        process.kill(parentPid, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) {
      clearInterval(timer);
      onGone();
    }
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
