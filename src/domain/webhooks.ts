/** The one outbound call a bounce webhook makes: the SNS provider fetching a signing certificate or confirming a subscription. */

/** The answer of an HttpsGet: its status and (at most the getter's limit of) its body as text. */
export interface HttpsGetResponse {
  status: number;
  body: string;
}

/**
 * A GET of an https URL that follows no redirect, gives up after a time limit and reads a bounded
 * body. Throws when the server cannot be reached or answers too slowly or too much.
 */
export type HttpsGet = (url: string) => Promise<HttpsGetResponse>;
