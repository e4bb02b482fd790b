import { defer, map, type Observable } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { resumable } from '../continuation.js';
import type { ChatRequest, Message } from './provider.js';

/**
 * How a provider asks the model to go on with a cut answer: `'prefill'` sends the delivered text as a trailing
 * assistant message, which the model continues (Anthropic, Ollama); `'instruction'` sends it and then a short
 * user message asking to continue (OpenAI and compatible servers, and models that reject prefill, such as
 * Anthropic with extended thinking).
 */
export type ContinueStyle = 'prefill' | 'instruction';

/** The user message of the `'instruction'` style. */
export const CONTINUE_INSTRUCTION =
  'Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything already written.';

/** The request that continues `request`'s answer from `text`. */
export function continueRequest(request: ChatRequest, text: string, style: ContinueStyle, trimTrailingWhitespace = false): ChatRequest {
  // Anthropic refuses a final assistant message that ends with whitespace.
  const prefix = trimTrailingWhitespace ? text.trimEnd() : text;
  const messages: Message[] = [...request.messages, { role: 'assistant', content: prefix }];
  if (style === 'instruction') messages.push({ role: 'user', content: CONTINUE_INSTRUCTION });
  return { ...request, messages };
}

/**
 * A provider's `stream` whose streams are resumable: each carries a continuation that asks the model to go on
 * from the text delivered (retryStream's `afterContent: 'resume'` uses it).
 */
export function resumableStreams(
  stream: (request: ChatRequest) => Observable<StreamChunk>,
  style: (request: ChatRequest) => ContinueStyle,
  trimTrailingWhitespace = false,
): (request: ChatRequest) => Observable<StreamChunk> {
  return (request) =>
    resumable(stream(request), (delivered) => {
      const continued = stream(continueRequest(request, delivered.text, style(request), trimTrailingWhitespace));
      // The prefill lost the delivered text's trailing whitespace, so the model starts with its own: the
      // consumer already has one, and would see it twice ("Hello,  world").
      return trimTrailingWhitespace && /\s$/.test(delivered.text) ? continued.pipe(withoutLeadingWhitespace()) : continued;
    });
}

/** Drops the whitespace a stream's text starts with (across chunks, until the first other character). */
function withoutLeadingWhitespace(): (source: Observable<StreamChunk>) => Observable<StreamChunk> {
  return (source) =>
    defer(() => {
      let leading = true;
      return source.pipe(
        map((c) => {
          if (!leading || c.content === '') return c;
          const content = c.content.trimStart();
          if (content !== '') leading = false;
          return content === c.content ? c : { ...c, content };
        }),
      );
    });
}
