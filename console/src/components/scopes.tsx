/** Choosing an API and some of its scopes (client rules, user grants), and showing scopes as chips. */
import { useState } from 'preact/hooks';
import type { ApiResource, Page } from '../api';
import { useConsole } from '../context';
import { Field, useLoad } from '../ui';

/** The APIs to choose from (the first 100), the chosen one's audience and the scopes ticked on it. */
export function useScopeChoice(): {
  apis: ApiResource[];
  audience: string;
  /** Chooses an API: its scopes start unticked. */
  chooseApi: (audience: string) => void;
  selected: ApiResource | undefined;
  scopes: string[];
  setScopes: (scopes: string[]) => void;
} {
  const { api } = useConsole();
  const apis = useLoad(() => api.get<Page<ApiResource>>('/admin/apis?limit=100', 'the APIs'), []);
  const [audience, setAudience] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  return {
    apis: apis.data?.items ?? [],
    audience,
    chooseApi: (value) => {
      setAudience(value);
      setScopes([]);
    },
    selected: apis.data?.items.find((a) => a.identifier === audience),
    scopes,
    setScopes,
  };
}

/** The "API" select: "Choose an API…", then each API as "name (identifier)". Choosing one clears the scopes. */
export function ApiSelect(props: {
  apis: ApiResource[];
  value: string;
  error: string | undefined;
  onChange: (audience: string) => void;
}) {
  return (
    <Field label="API" error={props.error}>
      {(id, d) => (
        <select
          id={id}
          aria-describedby={d}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          <option value="">Choose an API…</option>
          {props.apis.map((a) => (
            <option key={a.identifier} value={a.identifier}>
              {a.name} ({a.identifier})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A checkbox per scope of the chosen API; `describe` adds each scope's description. */
export function ScopeChoices(props: {
  api: ApiResource;
  value: string[];
  onChange: (scopes: string[]) => void;
  describe?: boolean;
  error?: string | undefined;
}) {
  const scopes = props.value;
  return (
    <fieldset class="choices">
      <legend>Scopes</legend>
      {props.api.scopes.map((scope) => (
        <label key={scope.value} class="choice">
          <input
            type="checkbox"
            checked={scopes.includes(scope.value)}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked ? [...scopes, scope.value] : scopes.filter((s) => s !== scope.value),
              )
            }
          />
          <span>
            <code>{scope.value}</code>
            {props.describe && ' '}
            {props.describe && scope.description && <span class="muted">— {scope.description}</span>}
          </span>
        </label>
      ))}
      {props.error && <p class="field-error">{props.error}</p>}
    </fieldset>
  );
}

/** Scopes as chips. */
export function ScopeChips(props: { scopes: string[] }) {
  return (
    <>
      {props.scopes.map((s) => (
        <span key={s} class="scope">
          {s}
        </span>
      ))}
    </>
  );
}
