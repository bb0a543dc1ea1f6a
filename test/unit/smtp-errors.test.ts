import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/conn/mailer.ts';

describe('classifySmtpError', () => {
  // The shapes nodemailer gives its errors (as observed against smtp-server).
  it.each([
    [{ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Authentication credentials invalid' }, 'sender'],
    [{ code: 'EAUTH', command: 'AUTH LOGIN', responseCode: 454, response: '454 4.7.0 Temporary authentication failure' }, 'transient'],
    [{ code: 'EAUTH', command: 'API', message: 'Missing credentials for "PLAIN"' }, 'sender'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, response: '553 5.7.1 Sender address rejected' }, 'sender'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.7.1 Relaying denied' }, 'sender'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.3.0 Local error' }, 'transient'],
    [{ code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' }, 'sender'],
    [{ code: 'EENVELOPE', command: 'API', message: 'Invalid sender "x"' }, 'sender'],
    [{ code: 'EENVELOPE', command: 'API', message: 'Invalid recipient "sender@x"' }, 'recipient-permanent'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 unknown', rejected: ['a@b'] }, 'recipient-permanent'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451, response: '451 later' }, 'transient'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 503, response: '503 5.5.1 bad sequence' }, 'transient'],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 content rejected' }, 'recipient-permanent'],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 452, response: '452 4.3.1 full' }, 'transient'],
    [{ code: 'ETLS', command: 'STARTTLS', message: 'Error initiating TLS' }, 'sender'],
    [{ code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', command: 'CONN' }, 'sender'],
    [{ code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', command: 'CONN' }, 'sender'],
    [{ code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', command: 'CONN' }, 'sender'],
    [{ code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 5.7.1 no SMTP service for you' }, 'sender'],
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }, 'transient'],
    [{ code: 'ECONNECTION', command: 'CONN', responseCode: 421, response: '421 4.3.2 shutting down' }, 'transient'],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, 'transient'],
    [{ code: 'ECONNECTION', message: 'Reached maximum number of retries after connection was closed' }, 'transient'],
  ] as const)('%j → %s', (fields, kind) => {
    expect(classifySmtpError(Object.assign(new Error('message' in fields ? fields.message : 'x'), fields))).toBe(kind);
  });
});
