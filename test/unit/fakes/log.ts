import { pino, type Logger } from 'pino';

/** A logger that writes nothing. */
export const silentLog: Logger = pino({ level: 'silent' });
