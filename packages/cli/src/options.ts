import { InvalidArgumentError } from 'commander';

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
