import { randomBytes } from 'node:crypto';

/** A random 128-bit identifier, URL-safe. */
export const randomId = () => randomBytes(16).toString('base64url');
