/**
 * Type tests for the structural SDK types (`OpenAIClientLike`, `AnthropicClientLike`, `OllamaClientLike`,
 * `OllamaModelOptions`): the published types import no SDK, yet a user's real client must still fit, and
 * something that is no client must not. Run against openai 6 and 7 in CI (see docs/package.md).
 */
import { expectTypeOf, test } from 'vitest';
import OpenAI, { AzureOpenAI } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama, type Options } from 'ollama';
import { anthropic, ollama, openai, type AnthropicProviderOptions, type OllamaProviderOptions, type OpenAIProviderOptions } from '../src/index.js';
import type { OpenAIClientLike } from '../src/providers/openai.js';
import type { AnthropicClientLike } from '../src/providers/anthropic.js';
import type { OllamaClientLike, OllamaModelOptions } from '../src/providers/ollama.js';

test('the options name the structural client types, not the SDK classes', () => {
  expectTypeOf<OpenAIProviderOptions['client']>().toEqualTypeOf<OpenAIClientLike | undefined>();
  expectTypeOf<AnthropicProviderOptions['client']>().toEqualTypeOf<AnthropicClientLike | undefined>();
  expectTypeOf<OllamaProviderOptions['client']>().toEqualTypeOf<OllamaClientLike | undefined>();
  expectTypeOf<OllamaProviderOptions['options']>().toEqualTypeOf<OllamaModelOptions | undefined>();
});

test('the SDK clients fit the client types', () => {
  expectTypeOf<OpenAI>().toExtend<OpenAIClientLike>();
  expectTypeOf<AzureOpenAI>().toExtend<OpenAIClientLike>();
  expectTypeOf<Anthropic>().toExtend<AnthropicClientLike>();
  expectTypeOf<Ollama>().toExtend<OllamaClientLike>();

  openai({ client: new OpenAI({ apiKey: 'sk-test' }) });
  openai({ client: new AzureOpenAI({ apiKey: 'k', endpoint: 'https://example.openai.azure.com', apiVersion: '2024-10-21' }) });
  anthropic({ client: new Anthropic({ apiKey: 'sk-ant-test' }) });
  ollama({ client: new Ollama({ host: 'http://127.0.0.1:11434' }) });
});

test('what is no client does not fit', () => {
  expectTypeOf<{ baseURL: string }>().not.toExtend<OpenAIClientLike>();
  expectTypeOf<{ chat: { completions: { create(): Promise<string> } } }>().not.toExtend<OpenAIClientLike>();
  expectTypeOf<{ baseURL: string }>().not.toExtend<AnthropicClientLike>();
  // Non-streaming only: `chat` resolves to a response, not an abortable stream.
  expectTypeOf<{ chat(request: { model: string }): Promise<{ done: boolean }> }>().not.toExtend<OllamaClientLike>();
  // The one a user hits first: an OpenAI client where an Anthropic one belongs.
  expectTypeOf<OpenAI>().not.toExtend<AnthropicClientLike>();
});

test("OllamaModelOptions lists exactly the SDK's model options", () => {
  // A new option in the SDK fails here, so the copy is updated with the lockfile.
  expectTypeOf<keyof OllamaModelOptions>().toEqualTypeOf<keyof Options>();
  expectTypeOf<Partial<Options>>().toExtend<OllamaModelOptions>();
  expectTypeOf<{ num_ctx: string }>().not.toExtend<OllamaModelOptions>();
});
