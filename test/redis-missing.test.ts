/** redisStore({ url }) without the optional `redis` package: a clear, typed error, nothing started. */
import { Observable } from 'rxjs';
import { expect, it, vi } from 'vitest';
import { isResumableStreamError, redisStore, resumableStreams } from '../src/index.js';

vi.mock('redis', () => {
  throw Object.assign(new Error("Cannot find package 'redis'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

it("names the package to install ('redis_not_installed')", async () => {
  let subscribed = 0;
  const source = new Observable<number>(() => void subscribed++);
  const streams = resumableStreams({ store: redisStore({ url: 'redis://127.0.0.1:6379' }) });
  const error = await streams.create('x', source).catch((e: unknown) => e);
  expect(isResumableStreamError(error) && error.code).toBe('redis_not_installed');
  expect((error as Error).message).toContain('npm install redis');
  expect(subscribed).toBe(0);
});
