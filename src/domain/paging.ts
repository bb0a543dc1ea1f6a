/** Which page of a list to read: 1-based `page` of `perPage` items. */
export interface PageWindow {
  page: number;
  perPage: number;
}

/** One page of a list and the number of items in the whole list. */
export interface Page<T> {
  rows: T[];
  total: number;
}
