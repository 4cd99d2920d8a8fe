/** The foot of a console form: the failed call's message, then Cancel and the submit button. */
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api-error';
import { ErrorNote } from '../ui';

export function FormFooter(props: {
  error: ApiError | undefined;
  onCancel: () => void;
  /** The submit button's text. */
  submit: ComponentChildren;
  disabled: boolean;
  /** The submit button's class (`danger` for a deletion). */
  submitClass?: string;
}) {
  return (
    <>
      <ErrorNote error={props.error} />
      <div class="actions">
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class={props.submitClass} disabled={props.disabled}>
          {props.submit}
        </button>
      </div>
    </>
  );
}
