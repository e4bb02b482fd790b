import { assertInInjectionContext, inject, Injector } from '@angular/core';

/** The injector a resource lives in: the one given, else the current injection context's (or a clear error). */
export function resourceInjector(fn: (...args: never[]) => unknown, injector: Injector | undefined): Injector {
  if (injector !== undefined) {
    if (typeof (injector as Partial<Injector> | null)?.get !== 'function') throw new TypeError(`${fn.name}: injector must be an Angular Injector`);
    return injector;
  }
  assertInInjectionContext(fn);
  return inject(Injector);
}
