import { AppError } from '../domain/errors.ts';
import type { UserRepository } from '../domain/repositories.ts';
import type { UnsubscribeTokens } from './unsubscribe.ts';

export type UnsubscribeService = ReturnType<typeof createUnsubscribeService>;

const invalidToken = () => new AppError(400, 'INVALID_TOKEN', 'This unsubscribe link is not valid');

/** The unsubscribe link of a message: checks its token and opts its user out of campaign email. */
export function createUnsubscribeService(deps: { tokens: UnsubscribeTokens; users: Pick<UserRepository, 'update'> }) {
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
    /** Opts the token's user out (a deleted user: nothing to do). */
    async optOut(token: string): Promise<void> {
      await users.update(userOf(token), { emailOptIn: false });
    },
  };
}
