import type { Page, PageWindow } from '../domain/paging.ts';

/** Runs one page of a list query and its total count side by side. */
export async function paged<T>(
  w: PageWindow,
  rows: (limit: number, offset: number) => Promise<T[]>,
  total: Promise<{ n: number }[]>,
): Promise<Page<T>> {
  const [page, [count]] = await Promise.all([rows(w.perPage, (w.page - 1) * w.perPage), total]);
  return { rows: page, total: count?.n ?? 0 };
}
