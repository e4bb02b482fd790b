/**
 * The check every SSE provider's 200 goes through before it is parsed (see sseBody.ts): the body must begin
 * an event stream. A JSON answer, a proxy's HTML login page or plain text is a `not_a_stream` `ProviderError`
 * (not retryable: retrying a misconfigured endpoint only hammers it) naming the content type and the first
 * bytes — where a parser alone would find no events and report a retryable incomplete stream. A body whose
 * content type says `text/event-stream` is not wrapped: what the sniffing is for (a JSON answer, a proxy's
 * page, plain text at the wrong URL) comes with its own content type, and an event stream with no events in
 * it ends as an incomplete stream, as an empty body does.
 */

/** How many bytes of a body that is not a stream the error quotes (it shows 120 characters of them). */
const SNIFF_BYTES = 256;

/** An event stream's content type (parameters such as `charset` may follow). */
const EVENT_STREAM = /^\s*text\/event-stream\s*(?:;|$)/i;

/** Field lines an SSE body can begin with (a comment starts with ':'). */
const SSE_START = /^(?::|(?:data|event|id|retry)(?::|\r|\n|$))/;

/** Whether a content type says `text/event-stream` (parameters such as `charset` may follow). */
export function isEventStream(contentType: string | null): boolean {
  return contentType !== null && EVENT_STREAM.test(contentType);
}

/**
 * Passes an SSE body through once its first non-blank characters begin a field line; otherwise reads up to
 * {@link SNIFF_BYTES} of it and fails the body with `notAStream(firstBytes)`. An empty body passes (the SDK
 * then reports the stream as incomplete: a dropped connection, worth a retry).
 */
export function sseGuard(body: ReadableStream<Uint8Array>, notAStream: (firstBytes: string) => Error): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let decoder: TextDecoder | undefined = new TextDecoder();
  let checked = false;
  let head: Uint8Array[] = [];
  let headLength = 0;
  let text = '';

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    controller.error(notAStream(text));
    void reader.cancel().catch(() => undefined);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (checked) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
          return;
        }
        for (;;) {
          const { done, value } = await reader.read();
          if (!done) {
            head.push(value);
            // Only the first SNIFF_BYTES are ever looked at (or quoted): a large first read is not decoded whole.
            // (A body that so far is all blank is decoded on until something shows.)
            const room = SNIFF_BYTES - headLength;
            headLength += value.byteLength;
            if (room >= value.byteLength) text += decoder!.decode(value, { stream: true });
            else {
              if (room > 0) text += decoder!.decode(value.subarray(0, room), { stream: true });
              if (text.trim() === '') text += decoder!.decode(value.subarray(Math.max(room, 0)), { stream: true });
            }
          }
          const start = text.replace(/^\uFEFF/, '').trimStart();
          const decided = done || start.length >= 7 || /[\r\n]/.test(start) || (start !== '' && headLength >= SNIFF_BYTES);
          if (!decided) continue;
          if (start === '' || SSE_START.test(start)) {
            checked = true;
            for (const piece of head) controller.enqueue(piece);
            // Nothing of the check is kept for the rest of the stream (a first read can be many events).
            head = [];
            text = '';
            decoder = undefined;
            if (done) controller.close();
            return;
          }
          if (done || headLength >= SNIFF_BYTES) {
            fail(controller);
            return;
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
