import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './parse.ts';

export const SECRET_NAMES = ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'UNSUBSCRIBE_SECRET'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Fills missing secrets from a file, generating and saving them on first use, so separate processes agree. */
export function withDevSecrets(given: Record<string, string | undefined>, file: string) {
  let stored: Record<string, string> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch (err) {
      throw new ConfigError([`DEV_SECRETS_FILE ${file} is not valid JSON (${(err as Error).message}); fix or delete it`]);
    }
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
      throw new ConfigError([`DEV_SECRETS_FILE ${file} must hold a JSON object; fix or delete it`]);
    }
    const bad = SECRET_NAMES.filter((n) => {
      const v: unknown = stored[n];
      return v !== undefined && (typeof v !== 'string' || Buffer.byteLength(v) < 32);
    });
    if (bad.length) throw new ConfigError(bad.map((n) => `DEV_SECRETS_FILE ${file}: ${n} must be a string of at least 32 bytes`));
  }
  let changed = false;
  const out = {} as Record<SecretName, string>;
  for (const name of SECRET_NAMES) {
    const value = given[name] ?? stored[name];
    if (value) {
      out[name] = value;
      continue;
    }
    out[name] = stored[name] = randomBytes(32).toString('base64url');
    changed = true;
  }
  if (changed) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return out;
}
