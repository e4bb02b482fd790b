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

