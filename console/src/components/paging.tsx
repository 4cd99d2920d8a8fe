/**
 * Paging a list by cursor: the cursors of the pages before this one live in the URL (`?pages=c1,c2`), so
 * Previous drops the last and Next appends the API's `nextCursor`.
 */
import { setQuery } from '../router';

/** The cursors in `?pages=`, and the one this page is read from. */
export function usePages(search: URLSearchParams): { cursors: string[]; cursor: string | undefined } {
  const cursors = (search.get('pages') ?? '').split(',').filter((c) => c !== '');
  return { cursors, cursor: cursors[cursors.length - 1] };
}

/** Previous/Next for a list paged by {@link usePages}. */
export function Pages(props: { cursors: string[]; nextCursor: string | undefined }) {
  const { cursors } = props;
  return (
    <Pager
      hasPrevious={cursors.length > 0}
      nextCursor={props.nextCursor}
      onPrevious={() => setQuery({ pages: cursors.slice(0, -1).join(',') })}
      onNext={(next) => setQuery({ pages: [...cursors, next].join(',') })}
    />
  );
}

export function Pager(props: {
  hasPrevious: boolean;
  nextCursor: string | undefined;
  onPrevious: () => void;
  onNext: (cursor: string) => void;
}) {
  if (!props.hasPrevious && props.nextCursor === undefined) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="secondary" disabled={!props.hasPrevious} onClick={props.onPrevious}>
        Previous page
      </button>
      <button
        type="button"
        class="secondary"
        disabled={props.nextCursor === undefined}
        onClick={() => props.nextCursor !== undefined && props.onNext(props.nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
