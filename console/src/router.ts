/**
 * The console's routes, under `/console/` (the server answers `index.html` for every one of them, so a
 * reload or a shared link opens the same page). Filters and tabs live in the query string, so a reload —
 * or a sign-in in between — shows what the page showed.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'clients' }
  | { page: 'client'; clientId: string }
  | { page: 'apis' }
  | { page: 'users' }
  | { page: 'user'; userId: string }
  | { page: 'audit' }
  | { page: 'keys' }
  | { page: 'callback' }
  | { page: 'not-found' };

/** The route of a console path. */
export function parseRoute(pathname: string): Route {
  const rest = pathname.replace(/^\/console\/?/, '');
  const [first = '', second, ...more] = rest.split('/');
  if (more.length > 0) return { page: 'not-found' };
  const id = second === undefined || second === '' ? undefined : decodeURIComponent(second);
  switch (first) {
    case '':
    case 'clients':
      return id === undefined ? { page: 'clients' } : { page: 'client', clientId: id };
    case 'users':
      return id === undefined ? { page: 'users' } : { page: 'user', userId: id };
    case 'apis':
      return id === undefined ? { page: 'apis' } : { page: 'not-found' };
    case 'audit':
      return { page: 'audit' };
    case 'keys':
      return { page: 'keys' };
    case 'callback':
      return { page: 'callback' };
    default:
      return { page: 'not-found' };
  }
}

const listeners = new Set<() => void>();

/** Goes to a console path (history API; no reload). */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

/** The current location, re-rendered on navigation and on back/forward. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { pathname: location.pathname, search: new URLSearchParams(location.search) };
}

/** Replaces some query parameters of the current page (empty values removed). */
export function setQuery(changes: Record<string, string | undefined>): void {
  const search = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') search.delete(key);
    else search.set(key, value);
  }
  const text = search.toString();
  navigate(`${location.pathname}${text === '' ? '' : `?${text}`}`, true);
}

/** An in-app link's click handler: history navigation, except when the person asks for a new tab. */
export function link(href: string) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
}
