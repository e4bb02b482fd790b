/**
 * Our providers as every section builds them, pointed at a loopback server: no SDK is imported here (the
 * providers load theirs lazily), so a fresh process of section 11 can import it before its clock starts.
 * The raw SDK side is bench/sdk.ts.
 */
import type { PreloadableProvider, Provider } from '../src/providers/provider.js';
import { anthropic } from '../src/providers/anthropic.js';
import { ollama } from '../src/providers/ollama.js';
import { openai } from '../src/providers/openai.js';
import type { WireProvider } from './wireGen.js';

export const API_KEY = 'bench-not-a-real-key';
export const MODELS: Readonly<Record<WireProvider, string>> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-6',
  ollama: 'llama3.2',
};

/** The options our provider `name` gets for the loopback server at `url`. */
export function providerOptions(name: WireProvider, url: string): Record<string, string> {
  switch (name) {
    case 'openai':
      return { baseURL: `${url}/v1`, apiKey: API_KEY, model: MODELS.openai };
    case 'anthropic':
      return { baseURL: url, apiKey: API_KEY, model: MODELS.anthropic };
    case 'ollama':
      return { host: url, model: MODELS.ollama };
  }
}

const FACTORIES: Readonly<Record<WireProvider, (options: Record<string, string>) => PreloadableProvider>> = { openai, anthropic, ollama };

/** Our provider for `name`, talking to the loopback server at `url`. */
export function ourProvider(name: WireProvider, url: string): PreloadableProvider {
  return FACTORIES[name](providerOptions(name, url));
}

/** The same from a module of another build that exports the factory `name` (for A/B runs). */
export function providerFrom(module: Record<string, (options: object) => Provider>, name: WireProvider, url: string): Provider {
  return module[name]!(providerOptions(name, url));
}
