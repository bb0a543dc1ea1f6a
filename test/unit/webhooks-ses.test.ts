import { beforeAll, describe, expect, it } from 'vitest';
import { createSesProvider } from '../../src/handlers/webhooks/ses.ts';
import {
  CERT_URL,
  fakeHttpsGet,
  receive,
  selfSignedCert,
  sesBounce,
  sesComplaint,
  snsSigner,
  TOPIC_ARN,
  type KeyAndCert,
  type SnsMessage,
} from './fakes/webhooks.ts';

/** Amazon SES bounces and complaints through SNS: the signature, the certificate's origin, the events. */

let sns: KeyAndCert;
let other: KeyAndCert;
beforeAll(() => {
  sns = selfSignedCert();
  other = selfSignedCert('attacker.example');
});
/** A certificate under sns's key with other names: only its names differ. */
const named = (cn: string, dnsNames: string[] = []) => selfSignedCert(cn, 30, dnsNames, sns.keyPem);

const req = (m: SnsMessage | string, now?: Date) => ({
  body: typeof m === 'string' ? m : JSON.stringify(m),
  ...(now ? { now } : {}),
  headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': typeof m === 'string' ? 'Notification' : m.Type },
});

function setup(over: { certCacheSize?: number } = {}) {
  const net = fakeHttpsGet({
    [CERT_URL]: { status: 200, body: sns.certPem },
    'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription*': { status: 200, body: '<ConfirmSubscriptionResponse/>' },
  });
  const ses = createSesProvider({ topicArns: [TOPIC_ARN], httpsGet: net.get, ...over });
  return { net, ses, signer: snsSigner(sns.keyPem) };
}

const MSG_ID = '<c12.u345.k3y@mail.example.test>';

describe('SES through SNS: signatures', () => {
  it('accepts a hard bounce signed with SignatureVersion 1 (SHA1) and reads it', async () => {
    const { ses, signer, net } = setup();
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com', status: '5.1.1' }], MSG_ID)), '1');
    const events = await receive(ses, req(m));
    expect(events).toEqual([
      {
        source: 'ses',
        eventId: `${m.MessageId}:ada@example.com`,
        kind: 'hard_bounce',
        email: 'ada@example.com',
        messageId: MSG_ID,
        detail: 'Permanent/General: smtp; 550 5.1.1 user unknown',
        occurredAt: new Date('2026-12-01T02:59:58.000Z'),
        trusted: true,
      },
    ]);
    expect(net.calls).toEqual([CERT_URL]);
  });

  it('accepts a complaint signed with SignatureVersion 2 (SHA256), the Message-ID from the header list', async () => {
    const { ses, signer } = setup();
    const m = signer.sign(signer.notification(sesComplaint(['bob@example.com'], MSG_ID), { Subject: 'Amazon SES Email Event Notification' }), '2');
    const [event] = await receive(ses, req(m));
    expect(event).toMatchObject({ kind: 'complaint', email: 'bob@example.com', messageId: MSG_ID, detail: 'complaint: abuse', trusted: true });
  });

  it('refuses a message whose signed text was altered after signing (401)', async () => {
    const { ses, signer } = setup();
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])));
    const altered = { ...m, Message: m.Message!.replace('ada@example.com', 'victim@example.com') };
    await expect(receive(ses, req(altered))).rejects.toMatchObject({ status: 401, code: 'INVALID_SIGNATURE' });
    // Subject is signed too when present: adding one breaks the signature.
    await expect(receive(ses, req({ ...m, Subject: 'hi' }))).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a signature made with another key, and a version-1 signature presented as version 2 (401)', async () => {
    const { ses } = setup();
    const forger = snsSigner(other.keyPem); // names the real certificate's URL, signs with its own key
    const forged = forger.sign(forger.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])));
    await expect(receive(ses, req(forged))).rejects.toMatchObject({ status: 401 });

    const { signer } = setup();
    const v1 = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])), '1');
    await expect(receive(ses, req({ ...v1, SignatureVersion: '2' }))).rejects.toMatchObject({ status: 401 });
    await expect(receive(ses, req({ ...v1, SignatureVersion: '3' }))).rejects.toMatchObject({ status: 401 });
    const { Signature: _, ...unsigned } = v1;
    await expect(receive(ses, req(unsigned))).rejects.toMatchObject({ status: 401 });
  });

  it.each([
    ['another host', 'https://attacker.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['a host that only starts like SNS', 'https://sns.eu-west-1.amazonaws.com.attacker.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['credentials before the host', 'https://sns.eu-west-1.amazonaws.com@attacker.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['plain http', 'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['another port', 'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['another path on SNS', 'https://sns.eu-west-1.amazonaws.com/redirect?to=https://attacker.example/x.pem'],
    ['an S3 name where a bucket called "sns" answers', 'https://sns.s3-external-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['S3 Transfer Acceleration', 'https://sns.s3-accelerate.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
    ['a label that is not a region', 'https://sns.evil.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem'],
  ])('refuses a SigningCertURL on %s without fetching anything (401)', async (_what, url) => {
    const { ses, net } = setup();
    const forger = snsSigner(other.keyPem, url);
    net.routes[url] = { status: 200, body: other.certPem };
    const m = forger.sign(forger.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])));
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    expect(net.calls).toEqual([]);
  });

  it('refuses a message from a topic that is not configured, before fetching anything (401)', async () => {
    const { ses, net } = setup();
    const forger = snsSigner(sns.keyPem);
    const m = forger.sign(forger.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }]), { TopicArn: 'arn:aws:sns:eu-west-1:999999999999:theirs' }));
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    expect(net.calls).toEqual([]);
  });

  it('keeps fetched certificates (a bounded number) and retries one whose fetch failed', async () => {
    const { ses, signer, net } = setup({ certCacheSize: 2 });
    const bounce = () => signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }]));
    await receive(ses, req(signer.sign(bounce())));
    await receive(ses, req(signer.sign(bounce())));
    expect(net.calls).toEqual([CERT_URL]);

    // Two more certificates push the first out of a cache of two.
    const urls = ['a', 'b'].map((c) => CERT_URL.replace('0123456789abcdef', c.repeat(16)));
    for (const url of urls) {
      net.routes[url] = { status: 200, body: sns.certPem };
      await receive(ses, req(snsSigner(sns.keyPem, url).sign(bounce())));
    }
    await receive(ses, req(signer.sign(bounce())));
    expect(net.calls).toEqual([CERT_URL, ...urls, CERT_URL]);

    // An unreachable SNS: 503 and nothing kept, so the retry fetches again and succeeds.
    const flaky = CERT_URL.replace('0123456789abcdef', 'f'.repeat(16));
    net.routes[flaky] = new Error('ETIMEDOUT');
    const m = snsSigner(sns.keyPem, flaky).sign(bounce());
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 503 });
    net.routes[flaky] = { status: 200, body: sns.certPem };
    await expect(receive(ses, req(m))).resolves.toHaveLength(1);
  });

  it('refuses when the certificate address answers with no certificate, or an expired one (401)', async () => {
    const { ses, signer, net } = setup();
    net.routes[CERT_URL] = { status: 404, body: '<Error/>' };
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])));
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    net.routes[CERT_URL] = { status: 200, body: 'not a certificate' };
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });

    const fresh = createSesProvider({ topicArns: [TOPIC_ARN], httpsGet: fakeHttpsGet({ [CERT_URL]: { status: 200, body: sns.certPem } }).get });
    await expect(receive(fresh, req(m, new Date(Date.now() + 60 * 86_400_000)))).rejects.toMatchObject({ status: 401 });
  });
});

describe('SES through SNS: subscriptions', () => {
  it('confirms a signed SubscriptionConfirmation by a GET of its SubscribeURL, and says so', async () => {
    const { net, signer } = setup();
    const notices: unknown[] = [];
    const ses = createSesProvider({ topicArns: [TOPIC_ARN], httpsGet: net.get, notice: (fields, message) => notices.push({ ...fields, message }) });
    const m = signer.sign(signer.confirmation('SubscriptionConfirmation'), '1');
    await expect(receive(ses, req(m))).resolves.toEqual([]);
    expect(net.calls).toEqual([CERT_URL, m.SubscribeURL]);
    expect(notices).toEqual([{ topicArn: TOPIC_ARN, type: 'SubscriptionConfirmation', message: 'SNS subscription confirmed' }]);
  });

  it('never calls a SubscribeURL that is not on an SNS host, even when the message is signed (401)', async () => {
    const { ses, signer, net } = setup();
    for (const url of ['https://attacker.example/?Action=ConfirmSubscription', 'http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription', 'https://sns.eu-west-1.amazonaws.com.attacker.example/']) {
      const m = signer.sign(signer.confirmation('SubscriptionConfirmation', { SubscribeURL: url }));
      await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    }
    expect(net.calls.filter((u) => u !== CERT_URL)).toEqual([]);
  });

  it('does not confirm an unsigned or altered confirmation, nor one for another topic', async () => {
    const { ses, signer, net } = setup();
    const m = signer.sign(signer.confirmation('SubscriptionConfirmation'));
    await expect(receive(ses, req({ ...m, Token: 'x' + m.Token!.slice(1) }))).rejects.toMatchObject({ status: 401 });
    const theirs = signer.sign(signer.confirmation('SubscriptionConfirmation', { TopicArn: 'arn:aws:sns:eu-west-1:999999999999:theirs' }));
    await expect(receive(ses, req(theirs))).rejects.toMatchObject({ status: 401 });
    expect(net.calls.filter((u) => u !== CERT_URL)).toEqual([]);
  });

  it('acknowledges an UnsubscribeConfirmation without calling anything but the certificate', async () => {
    const { ses, signer, net } = setup();
    const m = signer.sign(signer.confirmation('UnsubscribeConfirmation'));
    await expect(receive(ses, req(m))).resolves.toEqual([]);
    expect(net.calls).toEqual([CERT_URL]);
  });

  it('answers 503 when SNS refuses the confirmation', async () => {
    const { ses, signer, net } = setup();
    net.routes['https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription*'] = { status: 403, body: '<Error/>' };
    await expect(receive(ses, req(signer.sign(signer.confirmation('SubscriptionConfirmation'))))).rejects.toMatchObject({ status: 503 });
  });
});

describe('SES through SNS: events', () => {
  it('gives one event per recipient, each with its own stable id', async () => {
    const { ses, signer } = setup();
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'a@example.com' }, { email: 'B@Example.com' }])));
    const events = await receive(ses, req(m));
    expect(events.map((e) => [e.email, e.eventId])).toEqual([
      ['a@example.com', `${m.MessageId}:a@example.com`],
      ['b@example.com', `${m.MessageId}:b@example.com`],
    ]);
    expect((await receive(ses, req(m))).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
  });

  it.each([
    ['Permanent', undefined, 'hard_bounce'],
    ['Transient', '4.2.2', 'soft_bounce'],
    ['Transient', '5.2.2', 'soft_bounce'],
    ['Undetermined', '5.1.1', 'hard_bounce'],
    ['Undetermined', '4.4.7', 'soft_bounce'],
    ['Undetermined', undefined, 'soft_bounce'],
  ] as const)('a %s bounce with status %s is a %s', async (bounceType, status, kind) => {
    const { ses, signer } = setup();
    const m = signer.sign(signer.notification(sesBounce(bounceType, [{ email: 'ada@example.com', ...(status ? { status } : {}) }])));
    expect((await receive(ses, req(m))).map((e) => e.kind)).toEqual([kind]);
  });

  it('ignores deliveries, sends and the subscription test notification', async () => {
    const { ses, signer } = setup();
    for (const ev of [
      { notificationType: 'Delivery', delivery: { recipients: ['ada@example.com'] }, mail: {} },
      { eventType: 'Open', open: {}, mail: {} },
      { notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'You have successfully subscribed' },
    ]) {
      await expect(receive(ses, req(signer.sign(signer.notification(ev))))).resolves.toEqual([]);
    }
  });

  it('bounds what it keeps: a long diagnostic is clipped, a long address makes a hashed id under 255, 101 recipients are refused', async () => {
    const { ses, signer } = setup();
    const long = `${'x'.repeat(240)}@example.com`;
    const ev = sesBounce('Permanent', [{ email: long, status: '5.1.1' }]);
    ev.bounce.bouncedRecipients[0]!.diagnosticCode = 'y'.repeat(5000);
    const [event] = await receive(ses, req(signer.sign(signer.notification(ev))));
    expect(event!.detail.length).toBeLessThanOrEqual(1000);
    expect(event!.eventId.length).toBeLessThanOrEqual(255);

    const crowd = sesBounce('Permanent', Array.from({ length: 101 }, (_, i) => ({ email: `r${i}@example.com` })));
    await expect(receive(ses, req(signer.sign(signer.notification(crowd))))).rejects.toMatchObject({ status: 400 });
  });

  it('answers 400 for a body that is not JSON, an unknown Type, or a signed Message that is not an SES event', async () => {
    const { ses, signer } = setup();
    await expect(receive(ses, req('{not json'))).rejects.toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    await expect(receive(ses, req('[1,2]'))).rejects.toMatchObject({ status: 400 });
    await expect(receive(ses, req({ Type: 'Other', MessageId: 'x', TopicArn: TOPIC_ARN, Message: '' }))).rejects.toMatchObject({ status: 400 });
    const m = signer.sign(signer.notification({}, { Message: 'plain text' }));
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 400 });
    const noList = signer.sign(signer.notification({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent' } }));
    await expect(receive(ses, req(noList))).rejects.toMatchObject({ status: 400, details: [{ field: 'Message.bounce.bouncedRecipients' }] });
  });
});

describe("SES through SNS: the signing certificate must be SNS's", () => {
  const CN_TOPIC = 'arn:aws-cn:sns:cn-north-1:123456789012:ses-bounces';
  const urlIn = (host: string) => `https://${host}/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem`;

  /** A provider whose SNS host serves `cert` at `certUrl`, and a message signed with `cert`'s key naming it. */
  async function deliver(cert: KeyAndCert, certUrl = CERT_URL, topicArn = TOPIC_ARN) {
    const net = fakeHttpsGet({ [certUrl]: { status: 200, body: cert.certPem } });
    const warnings: { fields: object; message: string }[] = [];
    const ses = createSesProvider({ topicArns: [topicArn], httpsGet: net.get, warn: (fields, message) => warnings.push({ fields, message }) });
    const signer = snsSigner(cert.keyPem, certUrl);
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }]), { TopicArn: topicArn }));
    const result = await receive(ses, req(m)).then(
      (events) => ({ status: 200, events }),
      (err: { status?: number }) => ({ status: err.status, events: [] }),
    );
    return { ...result, warnings, calls: net.calls };
  }

  it('refuses a certificate issued to another name, though its key signed the message, and warns naming it (401)', async () => {
    const r = await deliver(other); // CN=attacker.example, served at the genuine SNS address
    expect(r.status).toBe(401);
    expect(r.calls).toEqual([CERT_URL]);
    expect(r.warnings).toEqual([
      {
        fields: { certUrl: CERT_URL, subject: 'CN=attacker.example', subjectAltName: undefined, expected: ['sns.amazonaws.com'] },
        message: expect.stringContaining('SNS signing certificate refused'),
      },
    ]);
  });

  it("accepts one issued to sns.amazonaws.com in a default region (the name on SNS's certificates there)", async () => {
    const r = await deliver(sns);
    expect(r).toMatchObject({ status: 200, warnings: [] });
    expect(r.events).toHaveLength(1);
  });

  it('reads the subject alternative names when there are some, and the common name only when there are none', async () => {
    expect((await deliver(named('attacker.example', ['sns.amazonaws.com']))).status).toBe(200);
    expect((await deliver(named('sns.amazonaws.com', ['attacker.example']))).status).toBe(401);
  });

  it('compares names exactly: no wildcard, no look-alike', async () => {
    for (const cn of ['*.amazonaws.com', 'sns.amazonaws.com.attacker.example', 'sns.amazonaws.co', 'amazonaws.com']) {
      expect((await deliver(named(cn))).status, cn).toBe(401);
    }
  });

  it("expects each region's own name: sns-signing.<region> in an opt-in region, sns-<region>.amazonaws.com.cn in China", async () => {
    const zurich = urlIn('sns.eu-central-2.amazonaws.com');
    expect((await deliver(named('sns-signing.eu-central-2.amazonaws.com'), zurich)).status).toBe(200);
    expect((await deliver(sns, zurich)).status).toBe(401);
    // …and a certificate of one region is not taken for another's.
    expect((await deliver(named('sns-signing.eu-central-2.amazonaws.com'))).status).toBe(401);
    expect((await deliver(named('sns-signing.ap-southeast-4.amazonaws.com'), zurich)).status).toBe(401);

    const beijing = urlIn('sns.cn-north-1.amazonaws.com.cn');
    expect((await deliver(named('sns-cn-north-1.amazonaws.com.cn'), beijing, CN_TOPIC)).status).toBe(200);
    expect((await deliver(sns, beijing, CN_TOPIC)).status).toBe(401);
  });

  it('does not keep a refused certificate: the next message fetches it again', async () => {
    const net = fakeHttpsGet({ [CERT_URL]: { status: 200, body: other.certPem } });
    const ses = createSesProvider({ topicArns: [TOPIC_ARN], httpsGet: net.get });
    const signer = snsSigner(other.keyPem);
    const m = signer.sign(signer.notification(sesBounce('Permanent', [{ email: 'ada@example.com' }])));
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    await expect(receive(ses, req(m))).rejects.toMatchObject({ status: 401 });
    expect(net.calls).toEqual([CERT_URL, CERT_URL]);
  });
});
