import mysql from 'mysql2/promise';

/** The CREATE TABLE statements of every table in the database, normalised, as in dependency/schema.sql. */
export async function dumpSchema(databaseUrl: string): Promise<string> {
  const conn = await mysql.createConnection({ uri: databaseUrl.replace(/^mariadb:/, 'mysql:') });
  try {
    const [tables] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> '__drizzle_migrations' ORDER BY table_name",
    );
    const parts = ['-- Generated from migrations/ by `npm run schema:dump`; a test fails if it drifts.\n'];
    for (const { name } of tables) {
      const [[row]] = await conn.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE \`${name}\``);
      parts.push(`${String(row!['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '')};\n`);
    }
    return parts.join('\n');
  } finally {
    await conn.end();
  }
}
