/** The shell: the sign-in state, the header (issuer name, stage, person, sign-out), the navigation and the pages. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AdminApi } from './api';
import type { SignedIn } from './auth';
import type { ConsoleConfig } from './config';
import { Console } from './context';
import type { ConsoleContext } from './context';
import { ApisPage } from './pages/apis';
import { AuditPage } from './pages/audit';
import { ClientDetailPage } from './pages/client-detail';
import { ClientsPage } from './pages/clients';
import { KeysPage } from './pages/keys';
import { UserDetailPage } from './pages/user-detail';
import { UsersPage } from './pages/users';
import { link, navigate, parseRoute, useLocation } from './router';
import type { Route } from './router';
import type { Boot } from './session';
import { boot, here, signIn, signOut } from './session';
import { renewalAllowed } from './auth';

const NAV: { page: Route['page']; href: string; label: string; also?: Route['page'] }[] = [
  { page: 'clients', href: '/console/clients', label: 'Clients', also: 'client' },
  { page: 'apis', href: '/console/apis', label: 'APIs' },
  { page: 'users', href: '/console/users', label: 'Users', also: 'user' },
  { page: 'audit', href: '/console/audit', label: 'Audit trail' },
  { page: 'keys', href: '/console/keys', label: 'Signing keys' },
];

export function App(props: { config: ConsoleConfig }) {
  const { config } = props;
  const [state, setState] = useState<Boot | { kind: 'booting' }>({ kind: 'booting' });
  const sessionRef = useRef<SignedIn | undefined>(undefined);
  const location = useLocation();

  useEffect(() => {
    boot(config).then(
      (result) => {
        if (result.kind === 'signed-in') {
          sessionRef.current = result.session;
          navigate(result.returnTo ?? '/console/', true);
        }
        setState(result);
      },
      (err: unknown) => setState({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  }, []);

  const api = useMemo(
    () =>
      new AdminApi({
        issuer: config.issuer,
        accessToken: () => sessionRef.current?.accessToken,
        onUnauthorized: (error) => {
          sessionRef.current = undefined;
          // A 401 right after a silent sign-in is not an expired token (the person was disabled, say):
          // say so instead of signing in again and again.
          if (!renewalAllowed(sessionStorage, Date.now())) {
            setState({ kind: 'error', message: `The admin API refused your sign-in: ${error.message}` });
            return;
          }
          // The access token expired: sign in again (silently while the sign-in session lasts) and come back here.
          setState({ kind: 'redirecting' });
          void signIn(config, { interactive: false, returnTo: here() });
        },
      }),
    [config],
  );

  const header = (
    <header class="top">
      <a class="brand" href="/console/" onClick={link('/console/')}>
        <span class="issuer">{config.displayName}</span>
        <span class={`stage stage-${config.stage}`} title={`Stage ${config.stage}, issuer ${config.issuer}`}>
          {config.stage}
        </span>
      </a>
      {state.kind === 'signed-in' && (
        <div class="who">
          <span class="person">
            {personLabel(state.session.user)}
            {state.session.readOnly && <span class="badge readonly">read-only</span>}
          </span>
          <button type="button" class="secondary" onClick={() => signOut(config, sessionRef.current)}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );

  if (state.kind !== 'signed-in') {
    return (
      <div class="shell">
        {header}
        <main class="center" id="main">
          {state.kind === 'booting' || state.kind === 'redirecting' ? (
            <p class="muted" role="status">
              Signing you in…
            </p>
          ) : (
            <div class="card narrow">
              <h1>Admin console</h1>
              {state.kind === 'error' ? (
                <p class="error" role="alert">
                  {state.message}
                </p>
              ) : (
                <p>You are signed out of {config.displayName}.</p>
              )}
              <button type="button" onClick={() => void signIn(config, { interactive: true, returnTo: '/console/' })}>
                Sign in
              </button>
            </div>
          )}
        </main>
      </div>
    );
  }

  const route = parseRoute(location.pathname);
  const context: ConsoleContext = { config, api, session: state.session, readOnly: state.session.readOnly };
  return (
    <Console.Provider value={context}>
      <div class="shell">
        <a class="skip" href="#main">
          Skip to content
        </a>
        {header}
        <nav class="tabs main-nav" aria-label="Sections">
          {NAV.map((item) => (
            <a
              key={item.href}
              href={item.href}
              onClick={link(item.href)}
              aria-current={route.page === item.page || route.page === item.also ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <main id="main" tabIndex={-1}>
          <Page route={route} />
        </main>
      </div>
    </Console.Provider>
  );
}

function Page(props: { route: Route }) {
  const { route } = props;
  switch (route.page) {
    case 'clients':
    case 'callback':
      return <ClientsPage />;
    case 'client':
      return <ClientDetailPage clientId={route.clientId} />;
    case 'apis':
      return <ApisPage />;
    case 'users':
      return <UsersPage />;
    case 'user':
      return <UserDetailPage userId={route.userId} />;
    case 'audit':
      return <AuditPage />;
    case 'keys':
      return <KeysPage />;
    default:
      return (
        <div class="card">
          <h1>Not found</h1>
          <p>There is no such page in the console.</p>
        </div>
      );
  }
}

/** "Ada Lovelace (ada)", or whichever of the two the ID token has, or the subject. */
export function personLabel(user: { sub: string; name: string | undefined; username: string | undefined }): string {
  if (user.name !== undefined && user.username !== undefined && user.name !== user.username) {
    return `${user.name} (${user.username})`;
  }
  return user.name ?? user.username ?? user.sub;
}
