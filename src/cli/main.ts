/** The `provenant` command: `provenant trust-root …`, `provenant migrate`, `provenant serve`. */
import { cliError, trustRootCli } from './trust-root.ts';

const [cmd, ...rest] = process.argv.slice(2);
try {
  switch (cmd) {
    case 'trust-root':
      await trustRootCli(rest);
      break;
    case 'migrate':
      await import('./migrate.ts');
      break;
    case 'serve':
    case undefined:
      await import('../main.ts');
      break;
    default:
      console.error('usage: provenant [serve | trust-root [--url <base>] [--out <dir>] | migrate]');
      process.exit(2);
  }
} catch (e) {
  cliError(e);
}
