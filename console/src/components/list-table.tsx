/** The console's list table: a header row of column names (and an unnamed Actions column), then the rows. */
import type { ComponentChildren } from 'preact';

export function ListTable(props: {
  columns: string[];
  /** Adds a last column headed "Actions" for screen readers only. */
  actions?: boolean;
  /** `aria-busy` while the next page loads (left out when not given). */
  busy?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class="list" aria-busy={props.busy}>
        <thead>
          <tr>
            {props.columns.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
