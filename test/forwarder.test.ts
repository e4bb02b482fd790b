/**
 * src/operators/forwarder.ts subclasses RxJS's `Subscriber`, whose constructor RxJS 7 documents as becoming
 * internal in v8. These tests pin down what the Forwarder relies on, so an RxJS upgrade that changes it fails
 * here, by name, instead of as lost errors, leaked sources or a slower path in every operator.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Observable, Subscriber, type Subscription } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { Forwarder } from '../src/operators/forwarder.js';

const rxjs = createRequire(import.meta.url)('rxjs/package.json') as { readonly version: string };

/** The failure message: which RxJS broke the Forwarder, and how. */
function upgradeBroke(what: string): string {
  return `the RxJS upgrade (rxjs@${rxjs.version}) broke src/operators/forwarder.ts: ${what}`;
}

/** A Subscriber subclass built the Forwarder's way (no destination), recording which hook each call reaches. */
class Probe extends Subscriber<number> {
  readonly calls: string[] = [];

  constructor() {
    super();
  }

  protected override _next(value: number): void {
    this.calls.push(`_next ${value}`);
  }

  protected override _error(error: unknown): void {
    this.calls.push(`_error ${String(error)}`);
  }

  protected override _complete(): void {
    this.calls.push('_complete');
  }
}

/** A source that hands out the subscriber it was subscribed with, and counts its teardowns. */
function exposedSource(): { source: Observable<number>; subscriber: () => Subscriber<number>; teardown: ReturnType<typeof vi.fn> } {
  let received: Subscriber<number> | undefined;
  const teardown = vi.fn();
  const source = new Observable<number>((subscriber) => {
    received = subscriber;
    return teardown;
  });
  const subscriber = (): Subscriber<number> => {
    if (received === undefined) throw new Error('test setup: the source was not subscribed');
    return received;
  };
  return { source, subscriber, teardown };
}

function handlers() {
  return { next: vi.fn<(value: number) => void>(), error: vi.fn<(error: unknown) => void>(), complete: vi.fn<() => void>() };
}

describe('Forwarder (RxJS Subscriber internals)', () => {
  it('new Subscriber() without a destination still works, and next/error/complete still call _next/_error/_complete', () => {
    let constructed: Probe | undefined;
    expect(() => (constructed = new Probe()), upgradeBroke('a Subscriber can no longer be constructed without a destination')).not.toThrow();
    const probe = constructed as Probe;
    probe.next(1);
    probe.next(2);
    probe.complete();
    probe.next(3);
    expect(probe.calls, upgradeBroke('next()/complete() no longer reach the _next/_complete hooks, or next() after complete() does')).toEqual([
      '_next 1',
      '_next 2',
      '_complete',
    ]);

    const failed = new Probe();
    failed.error('boom');
    failed.complete();
    expect(failed.calls, upgradeBroke('error() no longer reaches the _error hook, or complete() after error() does')).toEqual(['_error boom']);
  });

  it('is handed to the source as it is: no SafeSubscriber around it, one handler call per value', () => {
    const { source, subscriber } = exposedSource();
    const { next, error, complete } = handlers();
    const forwarder = new Forwarder<number>(next, error, complete);
    const subscription: Subscription = source.subscribe(forwarder);

    expect(subscriber(), upgradeBroke('subscribe() no longer passes a Subscriber it is given to the source as it is (it wraps it)')).toBe(forwarder);
    expect(subscription, upgradeBroke('subscribe() no longer returns the Subscriber it is given')).toBe(forwarder);
    subscriber().next(1);
    subscriber().next(2);
    subscriber().next(3);
    subscriber().complete();
    expect(next.mock.calls, upgradeBroke('the next handler is no longer called once per value')).toEqual([[1], [2], [3]]);
    expect(complete, upgradeBroke('the complete handler is no longer called once')).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
  });

  it('a next handler that throws errors the stream with that error, and stops it', () => {
    const { source, subscriber, teardown } = exposedSource();
    const thrown = new Error('handler broke');
    const { error, complete } = handlers();
    const next = vi.fn<(value: number) => void>(() => {
      throw thrown;
    });
    source.subscribe(new Forwarder<number>(next, error, complete));

    expect(() => subscriber().next(1), upgradeBroke("a handler's error escapes to the source's caller")).not.toThrow();
    subscriber().next(2);
    expect(error.mock.calls, upgradeBroke("a throwing next handler no longer errors the stream with the handler's error")).toEqual([[thrown]]);
    expect(next, upgradeBroke('values still reach the next handler after it errored the stream')).toHaveBeenCalledTimes(1);
    expect(teardown, upgradeBroke('the source is not unsubscribed after a throwing next handler')).toHaveBeenCalledTimes(1);
    expect(complete).not.toHaveBeenCalled();
  });

  it.each(['complete', 'error'] as const)('unsubscribes the source once it signals %s, also when that handler throws', (end) => {
    for (const throws of [false, true]) {
      const { source, subscriber, teardown } = exposedSource();
      const { next, error, complete } = handlers();
      const handler = end === 'complete' ? complete : error;
      if (throws) {
        handler.mockImplementation(() => {
          throw new Error(`${end} handler broke`);
        });
      }
      const forwarder = new Forwarder<number>(next, error, complete);
      source.subscribe(forwarder);
      expect(teardown).not.toHaveBeenCalled();

      const signal = (): void => (end === 'complete' ? subscriber().complete() : subscriber().error(new Error('source failed')));
      if (throws) expect(signal).toThrow(`${end} handler broke`);
      else signal();
      expect(handler).toHaveBeenCalledTimes(1);
      expect(teardown, upgradeBroke(`the source is not unsubscribed after ${end}${throws ? ' (when the handler throws)' : ''}`)).toHaveBeenCalledTimes(1);
      expect(forwarder.closed, upgradeBroke(`the Forwarder is not closed after ${end}`)).toBe(true);
    }
  });

  it("is the only module in src that subclasses, constructs or imports RxJS's Subscriber as a value", () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !path.endsWith('/operators/forwarder.ts')) {
          const text = readFileSync(path, 'utf8');
          const valueImport = [...text.matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*'rxjs'/g)].some(
            ([, typeOnly, names]) => typeOnly === undefined && (names ?? '').split(',').some((name) => name.trim() === 'Subscriber'),
          );
          if (valueImport || /\bextends\s+Subscriber\b|\bnew\s+Subscriber\b|\bSubscriber\.create\b/.test(text)) offenders.push(`src/${path.slice(src.length + 1)}`);
        }
      }
    };
    walk(src);
    expect(offenders, 'only src/operators/forwarder.ts may depend on the Subscriber class (its constructor becomes internal in RxJS 8)').toEqual([]);
  });
});
