#!/usr/bin/env node
// Entry point of `npm start`, `npm test` and `npm run bench` on a fresh machine: only Node's
// own modules here, because nothing is installed yet. It makes sure pnpm and the workspace's
// dependencies are there, then hands over to the real command.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const commands = {
  start: ['exec', 'tsx', 'scripts/start.ts'],
  test: ['run', 'test:all'],
  bench: ['exec', 'tsx', 'bench/run.ts'],
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status ?? 1;
}

function hasPnpm() {
  return spawnSync('pnpm', ['--version'], { cwd: root, stdio: 'ignore' }).status === 0;
}

function ensurePnpm() {
  if (hasPnpm()) return ['pnpm'];
  console.log(`pnpm not found: installing pnpm@${PNPM_VERSION} with npm`);
  if (run('npm', ['install', '--global', `pnpm@${PNPM_VERSION}`]) === 0 && hasPnpm()) return ['pnpm'];
  console.log('global install failed; using npx instead');
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return statSync(join(root, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
}

const [name, ...rest] = process.argv.slice(2);
if (!commands[name]) {
  console.error(`usage: bootstrap.mjs ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
const [pnpm, ...pnpmArgs] = ensurePnpm();
if (needsInstall()) {
  console.log('installing dependencies (pnpm install --frozen-lockfile)');
  const status = run(pnpm, [...pnpmArgs, 'install', '--frozen-lockfile']);
  if (status !== 0) process.exit(status);
}
process.exit(run(pnpm, [...pnpmArgs, ...commands[name], ...rest]));
