import { describe, expect, it } from 'vitest';
import { isSnsUrl, snsCertificateNames, snsCertUrlRegion, snsHostRegion } from '../../src/handlers/webhooks/sns.hosts.ts';

/** Which SNS addresses the SES webhook may fetch, and which names SNS's signing certificates carry. */

const FILE = '/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem';

describe('SigningCertURL: only an SNS regional host of a real region shape', () => {
  it.each([
    ['us-east-1', `https://sns.us-east-1.amazonaws.com${FILE}`],
    ['eu-central-2', `https://sns.eu-central-2.amazonaws.com${FILE}`],
    ['ap-southeast-4', `https://sns.ap-southeast-4.amazonaws.com${FILE}`],
    ['us-gov-west-1', `https://sns.us-gov-west-1.amazonaws.com${FILE}`],
    ['il-central-1', `https://sns.il-central-1.amazonaws.com${FILE}`],
    ['mx-central-1', `https://sns.mx-central-1.amazonaws.com${FILE}`],
    ['us-isob-east-1', `https://sns.us-isob-east-1.amazonaws.com${FILE}`],
    ['cn-north-1', `https://sns.cn-north-1.amazonaws.com.cn${FILE}`],
    ['cn-northwest-1', `https://sns.cn-northwest-1.amazonaws.com.cn${FILE}`],
  ])('accepts %s', (region, url) => {
    expect(snsCertUrlRegion(url)).toBe(region);
  });

  it.each([
    // S3 names, where a bucket called "sns" would answer
    `https://sns.s3-external-1.amazonaws.com${FILE}`,
    `https://sns.s3-accelerate.amazonaws.com${FILE}`,
    `https://sns.s3.amazonaws.com${FILE}`,
    `https://sns.s3-us-west-2.amazonaws.com${FILE}`,
    `https://sns.s3.us-east-1.amazonaws.com${FILE}`,
    `https://sns.s3-accelerate.dualstack.amazonaws.com${FILE}`,
    // other hosts
    `https://sns.evil.com${FILE}`,
    `https://sns.us-east-1.amazonaws.com.evil.test${FILE}`,
    `https://evil.test/sns.us-east-1.amazonaws.com${FILE}`,
    `https://sns.amazonaws.com${FILE}`,
    `https://sns..amazonaws.com${FILE}`,
    `https://sns.us-east-1.amazonaws.com.${FILE}`,
    `https://SNS.US-EAST-1.AMAZONAWS.COM${FILE}`,
    `https://sqs.us-east-1.amazonaws.com${FILE}`,
    `https://54.239.0.1${FILE}`,
    // userinfo, ports, scheme
    `https://user@sns.us-east-1.amazonaws.com${FILE}`,
    `https://user:pw@sns.us-east-1.amazonaws.com${FILE}`,
    `https://sns.us-east-1.amazonaws.com@evil.test${FILE}`,
    `https://sns.us-east-1.amazonaws.com:443${FILE}`,
    `https://sns.us-east-1.amazonaws.com:8443${FILE}`,
    `http://sns.us-east-1.amazonaws.com${FILE}`,
    `HTTPS://sns.us-east-1.amazonaws.com${FILE}`,
    `//sns.us-east-1.amazonaws.com${FILE}`,
    `https:\\\\sns.us-east-1.amazonaws.com${FILE}`,
    // path, query, fragment
    `https://sns.us-east-1.amazonaws.com${FILE}?x=1`,
    `https://sns.us-east-1.amazonaws.com${FILE}#x`,
    `https://sns.us-east-1.amazonaws.com/x${FILE}`,
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.crt',
    'https://sns.us-east-1.amazonaws.com/other.pem',
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-.pem',
    'https://sns.us-east-1.amazonaws.com/redirect?to=https://evil.test/x.pem',
    ` https://sns.us-east-1.amazonaws.com${FILE}`,
    `https://sns.us-east-1.amazonaws.com${FILE}\n`,
    // wrong region shapes, and a partition's domain that is not the region's
    `https://sns.us-east.amazonaws.com${FILE}`,
    `https://sns.useast-1.amazonaws.com${FILE}`,
    `https://sns.us-east-12.amazonaws.com${FILE}`,
    `https://sns.us-east-1a.amazonaws.com${FILE}`,
    `https://sns.usa-east-1.amazonaws.com${FILE}`,
    `https://sns.u1-east-1.amazonaws.com${FILE}`,
    `https://sns.us-gov-east-west-1.amazonaws.com${FILE}`,
    `https://sns.us-isoxx-east-1.amazonaws.com${FILE}`,
    `https://sns.cn-north-1.amazonaws.com${FILE}`,
    `https://sns.us-east-1.amazonaws.com.cn${FILE}`,
  ])('refuses %s', (url) => {
    expect(snsCertUrlRegion(url)).toBeUndefined();
  });
});

describe('SubscribeURL: https on an SNS regional host', () => {
  it('accepts the confirmation addresses SNS writes', () => {
    expect(isSnsUrl('https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-1:123456789012:t&Token=abc')).toBe(true);
    expect(isSnsUrl('https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription&Token=abc')).toBe(true);
    expect(isSnsUrl('https://sns.eu-central-2.amazonaws.com/?Action=ConfirmSubscription&Token=abc')).toBe(true);
  });

  it.each([
    'https://sns.s3-external-1.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.s3-accelerate.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.evil.com/?Action=ConfirmSubscription',
    'https://sns.us-east-1.amazonaws.com.evil.test/?Action=ConfirmSubscription',
    'https://user@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription',
    'http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.cn-north-1.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.us-east.amazonaws.com/?Action=ConfirmSubscription',
  ])('refuses %s', (url) => {
    expect(isSnsUrl(url)).toBe(false);
  });
});

describe('snsHostRegion', () => {
  it('reads the region of an SNS host and nothing else', () => {
    expect(snsHostRegion('sns.ap-southeast-4.amazonaws.com')).toBe('ap-southeast-4');
    expect(snsHostRegion('sns.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    for (const host of ['sns.s3-external-1.amazonaws.com', 'sns.evil.com', 'sns.amazonaws.com', 'email.us-east-1.amazonaws.com']) {
      expect(snsHostRegion(host), host).toBeUndefined();
    }
  });
});

describe("the names on SNS's signing certificates", () => {
  it.each([
    ['us-east-1', ['sns.amazonaws.com']],
    ['eu-west-1', ['sns.amazonaws.com']],
    ['ap-northeast-3', ['sns.amazonaws.com']],
    ['eu-central-2', ['sns-signing.eu-central-2.amazonaws.com']],
    ['ap-southeast-4', ['sns-signing.ap-southeast-4.amazonaws.com']],
    ['il-central-1', ['sns-signing.il-central-1.amazonaws.com']],
    ['mx-central-1', ['sns-signing.mx-central-1.amazonaws.com']],
    ['cn-north-1', ['sns-cn-north-1.amazonaws.com.cn']],
    ['cn-northwest-1', ['sns-cn-northwest-1.amazonaws.com.cn']],
    ['us-gov-west-1', ['sns-us-gov-west-1.amazonaws.com']],
    ['us-gov-east-1', ['sns-us-gov-west-1.amazonaws.com']],
    // A region not listed yet: the default regions' name or the opt-in regions' form, in its partition's domain.
    ['eu-west-9', ['sns.amazonaws.com', 'sns-signing.eu-west-9.amazonaws.com']],
    ['cn-south-1', ['sns.amazonaws.com.cn', 'sns-signing.cn-south-1.amazonaws.com.cn']],
  ])('%s: %j', (region, names) => {
    expect(snsCertificateNames(region)).toEqual(names);
  });
});
