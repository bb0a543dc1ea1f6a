import { generateKeyPairSync } from 'node:crypto';

/** A new RSA-2048 DKIM key for `selector` at `domain`, and the DNS TXT record that publishes its public half. */
export function dkimKeygen(domain: string, selector: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const name = `${selector}._domainkey.${domain}`;
  const value = `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`;
  // One TXT string holds at most 255 characters; a record of several is read as their concatenation.
  const strings = value.match(/.{1,255}/g)!.map((s) => `"${s}"`);
  return { privateKey, name, value, record: `${name}. IN TXT ${strings.join(' ')}` };
}

/** What to do with a key from dkimKeygen: publish, configure, check. Written to stderr; the key itself goes to stdout. */
export function dkimInstructions(domain: string, selector: string, key: ReturnType<typeof dkimKeygen>): string {
  const file = `dkim-${selector}.pem`;
  return [
    `A new DKIM key (RSA 2048) for ${domain}, selector ${selector}: the private key was written to standard output only.`,
    `Keep it secret, e.g. (umask 077; cns dkim-keygen --domain ${domain} --selector ${selector} > ${file}).`,
    '',
    `1. Publish this TXT record in the DNS of ${domain} (zone-file form):`,
    '',
    `   ${key.record}`,
    '',
    `   In a DNS provider's web form: name ${selector}._domainkey, type TXT, value (one text):`,
    '',
    `   ${key.value}`,
    '',
    '2. Set in the environment of the service (or its .env file), then restart it:',
    '',
    `   DKIM_DOMAIN=${domain}`,
    `   DKIM_SELECTOR=${selector}`,
    `   DKIM_PRIVATE_KEY_FILE=/path/to/${file}`,
    '',
    '   or, instead of the file, DKIM_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nMII…\\n-----END PRIVATE KEY-----"',
    '   (the PEM on one line, \\n for each line break).',
    '',
    `3. Check: \`dig +short TXT ${key.name}\` shows the record (after the DNS change has spread);`,
    '   then send a test of a campaign to a mailbox you own and look for dkim=pass in its',
    '   Authentication-Results header (or send it to a checker such as mail-tester.com).',
    '   MAIL_FROM should be an address at this domain (or a subdomain of it) for DMARC alignment.',
    '',
  ].join('\n');
}
