#!/usr/bin/env node
// The `provenant` command. Registers tsx (TypeScript without a build step), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
