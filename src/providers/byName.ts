import type { SchedulerLike } from 'rxjs';
import { anthropic } from './anthropic.js';
import { ollama } from './ollama.js';
import { openai } from './openai.js';
import type { PreloadableProvider, Provider } from './provider.js';

/** The providers that can be created by name. */
export type ProviderName = 'openai' | 'anthropic' | 'ollama';

export const PROVIDER_NAMES: readonly ProviderName[] = Object.freeze(['openai', 'anthropic', 'ollama'] as const);

/**
 * Picks the provider for a model name: `gpt-*`, `chatgpt-*` and `o<digit>*` → 'openai', `claude-*` →
 * 'anthropic', anything else → 'ollama' (local models such as 'llama3.2').
 */
export function providerForModel(model: string): ProviderName {
  if (/^(gpt-|chatgpt-|o\d)/i.test(model)) return 'openai';
  if (/^claude-/i.test(model)) return 'anthropic';
  return 'ollama';
}

/** What {@link createProvider} passes on to the provider it creates; each field is optional. */
export interface ProviderSettings {
  readonly model?: string | undefined;
  readonly apiKey?: string | undefined;
  /** The server's address (Ollama's `host`). */
  readonly baseURL?: string | undefined;
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Creates a provider by name: `createProvider('anthropic', { model: 'claude-sonnet-4-5' })`.
 * @throws {TypeError} for a name that is not one of {@link PROVIDER_NAMES}.
 */
export function createProvider(name: ProviderName, settings: ProviderSettings = {}): PreloadableProvider {
  const { model, apiKey, baseURL, scheduler } = settings;
  const common = {
    ...(scheduler === undefined ? {} : { scheduler }),
    ...(model === undefined ? {} : { model }),
    ...(apiKey === undefined ? {} : { apiKey }),
  };
  switch (name as unknown) {
    case 'openai':
      return openai({ ...common, ...(baseURL === undefined ? {} : { baseURL }) });
    case 'anthropic':
      return anthropic({ ...common, ...(baseURL === undefined ? {} : { baseURL }) });
    case 'ollama':
      return ollama({ ...common, ...(baseURL === undefined ? {} : { host: baseURL }) });
    default:
      throw new TypeError(
        `unknown provider ${typeof name === 'string' ? JSON.stringify(name) : typeof name}; ` +
          `use one of ${PROVIDER_NAMES.map((n) => `'${n}'`).join(', ')} or pass a Provider instance`,
      );
  }
}

/** Whether a value is a `Provider` (has `stream()`), not a provider name. */
export function isProvider(value: unknown): value is Provider {
  return typeof value === 'object' && value !== null && typeof (value as Provider).stream === 'function';
}
