/** A readiness probe of one dependency: resolves once it answers, rejects with why it did not. */
export type Ping = () => Promise<void>;
