import { useDebouncedCallback } from '@mantine/hooks';
import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';

/** The longest search term the API takes. */
const MAX_SEARCH = 100;

/**
 * A list's filters, search and page, kept in the address so that a reload or a shared link shows
 * the same list. Changing a filter or the search goes back to page 1; the search box writes the
 * address (`q`) once the person pauses typing, replacing the entry rather than adding one per word.
 */
export function useListParams({ debounceMs = 300, onChange }: { debounceMs?: number; onChange?: () => void } = {}) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  const q = params.get('q')?.trim() ?? '';
  const [search, setSearchBox] = useState(params.get('q') ?? '');

  const set = useCallback(
    (key: string, value: string | null) => {
      onChange?.();
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) next.set(key, value);
          else next.delete(key);
          if (key !== 'page') next.delete('page');
          return next;
        },
        { replace: key === 'q' },
      );
    },
    [setParams, onChange],
  );
  const writeSearch = useDebouncedCallback((value: string) => {
    const term = value.trim().slice(0, MAX_SEARCH);
    if (term !== (params.get('q')?.trim() ?? '')) set('q', term || null);
  }, debounceMs);

  return {
    /** The 1-based page from the address. */
    page,
    /** The search term in force (from the address). */
    q,
    /** What the search box shows, ahead of the address while the person types. */
    search,
    setSearch: (value: string) => {
      setSearchBox(value);
      writeSearch(value);
    },
    /** A filter's value, or undefined. */
    get: (key: string): string | undefined => params.get(key) ?? undefined,
    /** A filter's value when it is one of `values`; anything else in the address counts as no filter. */
    oneOf: <T extends string>(key: string, values: readonly T[]): T | undefined => {
      const v = params.get(key);
      return values.includes(v as T) ? (v as T) : undefined;
    },
    /** Sets (or, with null, removes) a filter and goes back to page 1. */
    set,
    setPage: (p: number) => set('page', p > 1 ? String(p) : null),
    /** How many pages `total` items fill (at least one). */
    pages: (total: number | undefined, perPage: number) => Math.max(1, Math.ceil((total ?? 0) / perPage)),
  };
}
