/**
 * The filter bar of the clients and users lists: a search box applied on Search, a status select applied
 * at once, and any further selects (`children`). Filters live in the URL and reset the paging.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { setQuery } from '../router';

export function SearchFilters(props: {
  /** The prefix of the controls' ids (`client` → `client-search`, `client-status`). */
  id: string;
  searchLabel: string;
  q: string;
  status: string;
  children?: ComponentChildren;
}) {
  const [draft, setDraft] = useState(props.q);
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        setQuery({ q: draft.trim(), pages: undefined });
      }}
    >
      <div class="field grow">
        <label for={`${props.id}-search`}>{props.searchLabel}</label>
        <input id={`${props.id}-search`} type="search" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${props.id}-status`}>Status</label>
        <select
          id={`${props.id}-status`}
          value={props.status}
          onChange={(e) => setQuery({ status: e.currentTarget.value, pages: undefined })}
        >
          <option value="">All</option>
          <option value="enabled">Enabled</option>
          <option value="disabled">Disabled</option>
        </select>
      </div>
      {props.children}
      <button type="submit" class="secondary">
        Search
      </button>
    </form>
  );
}
