// A tiny history-API router: the gateway answers every UI path with index.html, so deep links work.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const fn of listeners) fn();
});

/** Goes to `path` inside the app without reloading the page. */
export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  for (const fn of listeners) fn();
  window.scrollTo(0, 0);
}

function subscribe(fn: () => void) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  return { path: url.pathname, search: url.searchParams };
}

/** Click handler for in-app links: plain clicks navigate, modified clicks open a tab as usual. */
export function linkTo(path: string) {
  return (e: {
    preventDefault(): void;
    ctrlKey: boolean;
    metaKey: boolean;
    shiftKey: boolean;
    button: number;
  }) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(path);
  };
}
