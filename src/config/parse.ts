import ms from 'ms';

/** A bad configuration: every problem found, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** Turns a variable's text into its value, or throws an Error whose message completes "NAME …". */
export type Parser<T> = (raw: string) => T;
/** The environment the configuration is read from. */
export type Env = Record<string, string | undefined>;
/** Reads one variable with a parser (undefined when unset or empty); a parser's error is recorded as a problem of that variable. */
export type Read = <T>(name: string, parse: Parser<T>) => T | undefined;

/** An integer from min to max. */
export const int = (min: number, max: number): Parser<number> => (raw) => {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
  return n;
};
/** A number from min to max. */
export const num = (min: number, max: number): Parser<number> => (raw) => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new Error(`must be a number from ${min} to ${max}`);
  return n;
};
/** A duration of at least 1 s, in seconds (a bare number is seconds). */
export const duration: Parser<number> = (raw) => {
  const v = /^\d+$/.test(raw) ? Number(raw) * 1000 : ms(raw as ms.StringValue);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1000) throw new Error('must be a duration such as 30s, 15m or 7d (at least 1s)');
  return Math.round(v / 1000);
};
/** A duration in milliseconds (a bare number is milliseconds). */
export const durationMs: Parser<number> = (raw) => {
  const v = /^\d+$/.test(raw) ? Number(raw) : ms(raw as ms.StringValue);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error('must be a duration such as 500ms or 30s');
  return v;
};
/** A time limit: 0 turns it off, anything else must be at least 100 ms (a bare number is milliseconds). */
export const limitMs: Parser<number> = (raw) => {
  const v = durationMs(raw);
  if (v !== 0 && v < 100) throw new Error('must be 0 (no limit) or a duration of at least 100ms, such as 8s');
  return v;
};
/** A duration in milliseconds from min to max. */
export const durationMsWithin = (min: number, max: number): Parser<number> => (raw) => {
  const v = durationMs(raw);
  if (v < min || v > max) throw new Error(`must be a duration from ${ms(min)} to ${ms(max)}`);
  return v;
};
/** A URL with one of the given protocols, kept as written. */
export const url = (...protocols: string[]): Parser<string> => (raw) => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be a URL');
  }
  if (!protocols.includes(u.protocol)) throw new Error(`must be a ${protocols.join(' or ')} URL`);
  return raw;
};
/** One of the given words. */
export const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw) => {
  if (!(values as string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
  return raw as T;
};
/** Any text, as written. */
export const text: Parser<string> = (raw) => raw;
/** true/false, yes/no or 1/0. */
export const bool: Parser<boolean> = (raw) => {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error('must be true or false');
};

