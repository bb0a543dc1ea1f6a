import { like, type Column, type SQL } from 'drizzle-orm';

/** A LIKE pattern that matches `q` literally anywhere: its `%`, `_` and `\` are escaped (backslash is MariaDB's LIKE escape). */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `column` contains `q`, literally; case-insensitive under the tables' collation (utf8mb4_unicode_ci). */
export const contains = (column: Column, q: string): SQL => like(column, containsPattern(q));
