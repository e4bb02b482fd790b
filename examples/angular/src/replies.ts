import type { Observable } from 'rxjs';
import type { StreamChunk } from '../../../src/chunk.js';
import { fromServerSentEvents } from '../../../src/interop/fromServerSentEvents.js';
import type { Message } from '../../../src/providers/provider.js';

/**
 * Where the replies come from: the app's own endpoint (../server.ts), never a provider with a key in the page.
 * One request per reply; unsubscribing — Stop, a newer message, the component going away — aborts the fetch,
 * and the server sees the request closed and stops the model.
 */
export function reply(messages: readonly Message[]): Observable<StreamChunk> {
  return fromServerSentEvents('/api/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  });
}
