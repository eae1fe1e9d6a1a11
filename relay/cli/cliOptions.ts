/**
 * The command-line options of the relay's CLIs (`npm run backup`, `restore`,
 * the orphan-photo commands): `--name value` or `--name=value`, each a string.
 * A value may start with a dash: an admin token is base64url, so one in 64
 * begins with '-', which `parseArgs` alone refuses as "ambiguous" after
 * `--token`.
 */
import { parseArgs } from 'node:util';

/** Reads `argv` (without node and the script) for the string options `names`; an option not given is absent. */
export function readCliOptions<Name extends string>(argv: readonly string[], names: readonly Name[]): Partial<Record<Name, string>> {
  const flags = new Set(names.map((name) => `--${name}`));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // `--token -abc` as `--token=-abc`: the argument after an option that takes a value is that value.
    if (flags.has(arg) && i + 1 < argv.length) joined.push(`${arg}=${argv[++i]!}`);
    else joined.push(arg);
  }
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  return parseArgs({ args: joined, options }).values as Partial<Record<Name, string>>;
}
