/** What every CLI command gets: the parsed environment and where to write. Commands return an exit code. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Env } from '../config/interpolate.js';
import type { AppEnvVars } from '../env.js';

export interface CliContext {
  vars: AppEnvVars;
  /** The whole environment, for ${VAR} in config files. */
  env: Env;
  out(line: string): void;
  err(line: string): void;
}

/**
 * 0: done; 1: the config or the vendor failed (verify: a claim differs); 2: the command line or the query
 * was wrong; 3 (verify): the vendor could not be read at all.
 */
export type ExitCode = 0 | 1 | 2 | 3;

/** A command line a command can't run: its message and the command's usage are printed, exit 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = { args: string[]; options: O & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true; strict: true };

/** util.parseArgs with `--help`, and unknown options or extra positionals as a UsageError. */
export function parseCommand<const O extends Options>(args: readonly string[], options: O, maxPositionals: number): ReturnType<typeof parseArgs<Config<O>>> {
  const config: Config<O> = { args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true };
  let parsed;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[maxPositionals]}`);
  }
  return parsed;
}
