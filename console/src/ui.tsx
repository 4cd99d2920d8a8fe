/** The console's small UI kit: dialogs with focus management, labelled fields, errors, states. */
import type { ComponentChildren, InputHTMLAttributes, JSX, PartialInputHTMLAttributes } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api-error';
import { ApiFailure, toApiError } from './api-error';

/** An error as an {@link ApiError} (anything thrown in a handler). */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiFailure) return err.error;
  return { ...toApiError(0, undefined), message: err instanceof Error ? err.message : String(err) };
}

/** What opened the last dialog that closed: the focus target of a dialog that replaced it. */
let lastOpener: HTMLElement | null = null;

/**
 * A modal dialog (WAI-ARIA APG "Dialog (Modal)"): focus moves into it, Tab stays inside, Escape closes it,
 * and focus returns to what opened it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const active = document.activeElement as HTMLElement | null;
    // A dialog that replaces another (the form → its result) opens with the focus already lost.
    const opener = active !== null && active !== document.body ? active : null;
    const box = ref.current;
    // The field marked autofocus, else the first field, else the first button of the body (not Close).
    const first =
      box?.querySelector<HTMLElement>('[autofocus]') ??
      box?.querySelector<HTMLElement>('input, select, textarea') ??
      box?.querySelector<HTMLElement>('.actions button');
    (first ?? box)?.focus();
    return () => {
      const target = opener?.isConnected ? opener : lastOpener?.isConnected ? lastOpener : null;
      lastOpener = target;
      // Back to what opened the dialog, unless focus already moved on (into the dialog that replaced it).
      const now = document.activeElement as HTMLElement | null;
      if (now === null || now === document.body || !now.isConnected) target?.focus();
    };
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      props.onClose();
      return;
    }
    if (event.key !== 'Tab' || ref.current === null) return;
    const focusable = [
      ...ref.current.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])',
      ),
    ];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (first === undefined || last === undefined) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
  return (
    <div class="backdrop">
      <div
        class={props.wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        ref={ref}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <div class="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}

/** A labelled input with its error (from the API's `errors`) right below it. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => JSX.Element;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.error ? errorId : '', props.hint ? hintId : ''].filter((s) => s !== '').join(' ') || undefined;
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A {@link Field} holding one text input; the input's own attributes (value, onInput, type…) pass through. */
export function TextField(
  props: { label: string; error?: string | undefined; hint?: string } & Omit<
    PartialInputHTMLAttributes<HTMLInputElement>,
    'id' | 'aria-describedby' | 'label'
  >,
) {
  const { label, error, hint, ...input } = props;
  // Preact's input typing ties `role` to `type`; these are a text input's attributes, passed through.
  return (
    <Field label={label} error={error} {...(hint === undefined ? {} : { hint })}>
      {(id, d) => <input id={id} aria-describedby={d} {...(input as InputHTMLAttributes<HTMLInputElement>)} />}
    </Field>
  );
}

/** The message of a failed call, where it happened. */
export function ErrorNote(props: { error: ApiError | undefined }) {
  if (props.error === undefined) return null;
  return (
    <p class="error" role="alert">
      {props.error.message}
    </p>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {props.what}…
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="empty">{props.children}</div>;
}

/** A read-only value with a Copy button (secrets, setup links, curl). */
export function CopyField(props: { label: string; value: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(true);
    } catch {
      const field = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null;
      field?.select();
      setCopied(false);
    }
  };
  return (
    <div class="field copy">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        {props.multiline ? (
          <textarea id={id} readOnly rows={4} value={props.value} spellcheck={false} />
        ) : (
          <input id={id} readOnly value={props.value} spellcheck={false} />
        )}
        <button type="button" onClick={copy} aria-label={`Copy ${props.label.toLowerCase()}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge ${props.status}`}>{props.status}</span>;
}

/** A date as the person's locale shows it, with the ISO value on hover. */
export function When(props: { at: string | undefined; never?: string }) {
  if (props.at === undefined) return <span class="muted">{props.never ?? '—'}</span>;
  const date = new Date(props.at);
  return (
    <time dateTime={props.at} title={props.at}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** Runs an async action with a busy flag and its error. */
export function useAction(): {
  busy: boolean;
  error: ApiError | undefined;
  run: (action: () => Promise<void>) => Promise<void>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

/** Loads data with loading and error states; `reload` loads again. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(undefined);
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}
