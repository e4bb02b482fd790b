/**
 * agenticraft-rx/angular with zone.js: the resources are zoneless first, and run the same under
 * `provideZoneChangeDetection()` — no manual `tick()` here: zone.js and Angular's scheduler drive the effects,
 * and the stream's callbacks run inside the Angular zone. (Its own file: zone.js patches this worker's globals.)
 */
import 'zone.js';
import '@angular/compiler';
import { describe, expect, it, vi } from 'vitest';
import {
  NgZone,
  provideZoneChangeDetection,
  signal,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { useTestBed } from './helpers/angularTestBed.js';
import { tap } from 'rxjs';
import { mockStream } from '../src/providers/mock.js';
import { chatResource, completionResource } from '../src/angular/index.js';

useTestBed(() => [provideZoneChangeDetection({ eventCoalescing: true })]);

describe('with zone.js (provideZoneChangeDetection)', () => {
  it('completionResource streams, a new prompt cancels, stop() keeps the partial text', async () => {
    const zone = TestBed.inject(NgZone);
    expect(zone).toBeInstanceOf(NgZone);
    expect(typeof Zone).toBe('function');
    const inZone: boolean[] = [];
    const prompt = signal<string | undefined>('first');
    const answer = zone.run(() =>
      TestBed.runInInjectionContext(() =>
        completionResource({
          prompt,
          stream: (p) => mockStream(`${p}: a slow answer`, { chunkSize: 2, delay: 5 }).pipe(tap(() => inZone.push(NgZone.isInAngularZone()))),
        }),
      ),
    );
    await vi.waitFor(() => expect(answer.text()).toContain('first: a'), { timeout: 2000, interval: 5 });
    zone.run(() => prompt.set('second'));
    await vi.waitFor(() => expect(answer.value()?.finishReason).toBe('stop'), { timeout: 2000, interval: 5 });
    expect(answer.text()).toBe('second: a slow answer');
    expect(inZone.length).toBeGreaterThan(0);
    expect(inZone.every(Boolean)).toBe(true);

    zone.run(() => answer.reload());
    await vi.waitFor(() => expect(answer.value()?.chunkCount).toBe(2), { timeout: 2000, interval: 5 });
    answer.stop();
    await vi.waitFor(() => expect(answer.isStreaming()).toBe(false), { timeout: 2000, interval: 5 });
    expect(answer.value()?.finishReason).toBe('interrupted');
    expect(answer.text()).toBe('seco');
  });

  it('chatResource streams a reply', async () => {
    const chat = TestBed.runInInjectionContext(() => chatResource({ stream: () => mockStream('Hello from a zone', { chunkSize: 4, delay: 2 }) }));
    TestBed.inject(NgZone).run(() => chat.send('Hi'));
    await vi.waitFor(() => expect(chat.status()).toBe('resolved'), { timeout: 2000, interval: 5 });
    expect(chat.messages().map((m) => m.content)).toEqual(['Hi', 'Hello from a zone']);
  });
});
