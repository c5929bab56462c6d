// Bootstraps a verifier thread: registers tsx (TypeScript, no build step) however the parent was
// started, then loads the worker body.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
