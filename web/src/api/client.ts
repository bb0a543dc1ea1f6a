import createClient from 'openapi-fetch';
import { ApiError } from './errors';
import type { paths } from './schema.d.ts';
import { authorizedFetch } from './session';

/** The one typed API client: every call carries the session's token and the CSRF header. */
export const api = createClient<paths>({ fetch: authorizedFetch, credentials: 'same-origin' });

/** Unwraps an openapi-fetch result: the data, or an ApiError in the one error shape (status 0: no answer). */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, undefined);
  }
  const { data, error, response } = result;
  if (!response.ok) throw new ApiError(response.status, error as ConstructorParameters<typeof ApiError>[1], response.headers.get('retry-after'));
  return data as T;
}
