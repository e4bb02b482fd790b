/**
 * TestBed without a DOM, for the Angular tests: TestBed runs on `platformCore()` with a module that gives it what
 * BrowserModule would (an ErrorHandler, ApplicationModule, the root injector scope), since nothing here renders.
 * Import '@angular/compiler' (and 'zone.js', for the zone test) before this module.
 */
import { ApplicationModule, ErrorHandler, NgModule, platformCore, ɵINJECTOR_SCOPE as INJECTOR_SCOPE, type EnvironmentProviders, type Provider } from '@angular/core';
import { TestBed, TestComponentRenderer } from '@angular/core/testing';
import { afterEach, beforeAll, beforeEach } from 'vitest';

const NoDomTestingModule = NgModule({
  imports: [ApplicationModule],
  providers: [
    { provide: ErrorHandler, useClass: ErrorHandler },
    { provide: INJECTOR_SCOPE, useValue: 'root' },
    { provide: TestComponentRenderer, useClass: TestComponentRenderer }, // renders nothing: no DOM here
  ],
})(class NoDomTestingModule {});

/** Sets TestBed up for the calling test file, with `providers` (the change detection to use) in each test. */
export function useTestBed(providers: () => (Provider | EnvironmentProviders)[]): void {
  beforeAll(() => {
    TestBed.initTestEnvironment(NoDomTestingModule, platformCore(), { teardown: { destroyAfterEach: true } });
  });
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: providers() });
  });
  afterEach(() => {
    TestBed.resetTestingModule();
  });
}
