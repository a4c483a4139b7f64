import type { TestStack } from '@dak/dev-env';
import { runCli } from '../src/program';

/**
 * Runs `dak` in-process against a test stack, with its output captured: `{ code, stdout, stderr }`.
 * `io.cwd` is where --file paths resolve; `io.stdin()` is read when a command reads stdin (`-`).
 */
export function dakRunner(stack: () => TestStack, io: { cwd?: () => string; stdin?: () => string } = {}) {
  return async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['node', 'dak', '--url', stack().api.url, '--token', stack().adminToken, ...args], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: {},
      cwd: io.cwd?.() ?? process.cwd(),
      readStdin: async () => io.stdin?.() ?? '',
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
}
