/** The domain of a mailbox as MAIL_FROM gives it (`Name <local@domain>` or `local@domain`), else 'localhost'. */
export function mailDomain(mailbox: string): string {
  return /@([^>\s]+)>?\s*$/.exec(mailbox)?.[1] ?? 'localhost';
}

/** The List-Id when none is configured (RFC 2919): `Campaigns <campaigns.DOMAIN>`. */
export const defaultListId = (domain: string) => `Campaigns <campaigns.${domain.toLowerCase()}>`;
