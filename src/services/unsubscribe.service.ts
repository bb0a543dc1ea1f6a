import { userAudit } from '../domain/audit.ts';
import { AppError } from '../domain/errors.ts';
import type { UserRepository } from '../domain/repositories.ts';
import type { UnsubscribeTokens } from './unsubscribe.ts';

export type UnsubscribeService = ReturnType<typeof createUnsubscribeService>;

const invalidToken = () => new AppError(400, 'INVALID_TOKEN', 'This unsubscribe link is not valid');

/** The unsubscribe link of a message: checks its token and opts its user out of campaign email. */
export function createUnsubscribeService(deps: { tokens: UnsubscribeTokens; users: Pick<UserRepository, 'findById' | 'update'> }) {
  const { tokens, users } = deps;
  const userOf = (token: string) => {
    const userId = tokens.verify(token);
    if (userId === undefined) throw invalidToken();
    return userId;
  };
  return {
    /** Throws a 400 unless the token is one we signed. */
    check(token: string): void {
      userOf(token);
    },
    /**
     * Opts the token's user out, audited as the user's own act (a deleted user, or one already
     * out: nothing to do, so a mail client's repeated one-click POSTs write one entry).
     */
    async optOut(token: string): Promise<void> {
      const userId = userOf(token);
      const user = await users.findById(userId);
      if (!user?.emailOptIn) return;
      await users.update(userId, { emailOptIn: false }, [userAudit(userId, 'opted_out', userId, { reason: 'unsubscribe_link' })]);
    },
  };
}
