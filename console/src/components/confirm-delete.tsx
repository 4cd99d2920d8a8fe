/** Deleting something: the person types its name first, then Delete is enabled. */
import { useState } from 'preact/hooks';
import { Dialog, Field, useAction } from '../ui';
import { FormFooter } from './form-footer';

export function ConfirmDelete(props: {
  what: string;
  name: string;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [typed, setTyped] = useState('');
  const action = useAction();
  return (
    <Dialog title={`Delete ${props.what}`} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(props.onConfirm);
        }}
      >
        <p>
          This deletes the {props.what} <strong>{props.name}</strong> for good. Type its name to confirm.
        </p>
        <Field label={`Name of the ${props.what}`}>
          {(id) => <input id={id} value={typed} autoComplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />}
        </Field>
        <FormFooter
          error={action.error}
          onCancel={props.onClose}
          disabled={typed !== props.name || action.busy}
          submit="Delete"
          submitClass="danger"
        />
      </form>
    </Dialog>
  );
}
