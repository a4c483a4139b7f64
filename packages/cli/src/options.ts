import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { AdminClient } from './admin-client';

/** Prints the answer as JSON, or with --quiet the short lines `quiet` makes of it. */
export type Print = <T>(result: T, quiet: (result: T) => string | string[]) => void;
/** Wraps a command's work with the admin client and printer of its global options. */
export type Action = <A extends unknown[]>(
  work: (ctx: { admin: AdminClient; print: Print }, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

/** A mistake of the operator's that the CLI itself catches. */
export class CliError extends Error {}

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a whole number above zero');
  return Number(value);
}

/** `yes` or `no`, as a boolean. */
export function yesNo(value: string): boolean {
  if (value !== 'yes' && value !== 'no') throw new InvalidArgumentError('yes or no');
  return value === 'yes';
}

/** A repeatable option, collected into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A pair of flags (`--enable`/`--disable`) as one boolean body field: true, false, or absent when neither is given. */
export function eitherFlag<K extends string>(
  field: K,
  on: [name: string, given: boolean | undefined],
  off: [name: string, given: boolean | undefined],
): Partial<Record<K, boolean>> {
  if (on[1] && off[1]) throw new CliError(`Give ${on[0]} or ${off[0]}, not both.`);
  if (on[1]) return { [field]: true } as Record<K, boolean>;
  return off[1] ? ({ [field]: false } as Record<K, boolean>) : {};
}

/** The JSON in a file (relative to the working directory), or on stdin for `-`. */
export async function readJson(
  io: { cwd: string; readStdin(): Promise<string> },
  path: string,
  option: string,
): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new CliError(`${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}).`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${option}: ${path === '-' ? 'stdin' : path} is not JSON (${(error as Error).message}).`);
  }
}
