// The `dak` entry point: `pnpm dak …` from the repository root (or `node --import tsx packages/cli/src/main.ts …`).
// Settings come from flags, then the environment, then ./.dak/local.env (see loadCliConfig).
import { text } from 'node:stream/consumers';
import { runCli } from './program';

process.exitCode = await runCli(process.argv, {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  env: process.env,
  cwd: process.cwd(),
  readStdin: () => text(process.stdin),
});
