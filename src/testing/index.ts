// agenticraft-rx/testing: helpers for testing code built on agenticraft-rx (depends on rxjs/testing).
export { marbleProvider } from './marbleProvider.js';
export type { MarbleChunk, MarbleProvider, MarbleProviderOptions, MarbleSubscriptionLog } from './marbleProvider.js';
