import { readFileSync } from 'node:fs';

/**
 * The package's version, from its package.json: two folders up from this module both in the sources
 * (src/cli/) and in the build (dist/cli/index.js).
 */
export function packageVersion(moduleURL: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', moduleURL), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
