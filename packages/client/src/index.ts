/**
 * @switchboard/client: a typed client for the Switchboard API, with no dependencies.
 *
 * ```ts
 * import { createClient, SwitchboardError } from '@switchboard/client';
 * const sb = createClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.SWITCHBOARD_KEY });
 * const page = await sb.listConversations({ status: 'open', orderBy: 'createdAt', limit: 20 });
 * for await (const page of sb.walkConversations({ vendor: ['acme'], limit: 100 })) { … }
 * ```
 *
 * `walkConversations` is exact: it asks `onVendorError=fail`, so a page is whole or it is an error, retries
 * a failed page (same cursor) with backoff that honours Retry-After, and throws `SwitchboardWalkError` with
 * the cursor to resume from when it gives up.
 */
export { createClient, toQueryString, type ClientOptions, type RequestOptions, type DetailOf, type PageOf, type SwitchboardClient, type WalkOptions } from './client.js';
export { SwitchboardError, SwitchboardWalkError } from './errors.js';
export type * from './types.js';
