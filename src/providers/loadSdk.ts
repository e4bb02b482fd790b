import { ProviderError } from '../errors/ProviderError.js';

/**
 * Loads an optional peer SDK on first use. A missing package is a `ProviderError` with code
 * 'sdk_not_installed' naming the package to install (not retryable: installing is no job for retryStream).
 */
export async function loadSdk<T>(packageName: string, provider: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new ProviderError(
        `The ${provider} provider needs the "${packageName}" package, which is not installed. Run: npm install ${packageName}`,
        { provider, code: 'sdk_not_installed', retryable: false, cause: error },
      );
    }
    throw error;
  }
}

/** A "module not found" error, also when wrapped (by a bundler or a test runner) as another error's cause. */
function isModuleNotFound(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  }
  return false;
}


let fetchWarm: Promise<void> | undefined;

/**
 * Loads the runtime's `fetch` implementation ahead of the first request (Node loads undici on the first
 * call, tens of milliseconds), by fetching a `data:` URL: nothing leaves the process. Once per process;
 * a runtime without `fetch` or `data:` URLs just skips it. Part of `preload()` when the SDK uses the global fetch.
 */
export function warmFetch(): Promise<void> {
  fetchWarm ??= (async () => {
    try {
      await (await globalThis.fetch('data:,')).arrayBuffer();
    } catch {
      // nothing to warm here
    }
  })();
  return fetchWarm;
}
