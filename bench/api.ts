// A small HTTP client for the service under test (global fetch, keep-alive).

export interface ApiCampaign {
  id: number;
  status: string;
  updated_at: string;
  [field: string]: unknown;
}
export interface CampaignStats {
  status: string;
  recipients: number;
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
}

// ~1 KB of realistic promotional HTML using every variable the fan-out renders.
const BODY_HTML = `<!doctype html>
<html><body style="margin:0;padding:0;background:#f4f4f7;font-family:Arial,Helvetica,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="600" cellpadding="24" cellspacing="0" style="background:#ffffff">
<tr><td><h1 style="font-size:22px;color:#222">Hello {{first_name}} {{last_name}},</h1>
<p style="font-size:15px;line-height:1.5;color:#333">Our spring collection has arrived, and as one of our
valued customers you get early access before everyone else. Use the code <b>{{promo_code}}</b> at checkout
to take 20% off everything in the new range, including items already on sale.</p>
<p style="font-size:15px;line-height:1.5;color:#333">The offer is valid online and in all of our stores until
the end of the month. Free delivery on orders over 50 EUR, and returns are free for 30 days.</p>
<p style="text-align:center"><a href="https://shop.example.test/spring?code={{promo_code}}"
style="background:#0b5fff;color:#fff;padding:12px 24px;text-decoration:none;border-radius:4px">Shop the collection</a></p>
<p style="font-size:12px;color:#888">You receive this email because you opted in to offers from Example Shop.
<a href="{{unsubscribe_url}}" style="color:#888">Unsubscribe</a> at any time.</p></td></tr>
</table></td></tr></table></body></html>`;

export class Api {
  token = '';
  constructor(readonly base: string) {}

  async request<T>(method: string, path: string, body?: object, expect = 200): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async login(email: string, password: string): Promise<void> {
    this.token = '';
    const r = await this.request<{ access_token: string }>('POST', '/v1/auth/login', { email, password });
    this.token = r.access_token;
  }

  /** Creates a promotion and submits it for approval; returns its id. */
  async submittedCampaign(title: string): Promise<number> {
    const { campaign } = await this.request<{ campaign: ApiCampaign }>(
      'POST',
      '/v1/campaigns',
      { type: 'promotion', title, promo_code: 'BENCH20', subject: 'Hello {{first_name}}, {{promo_code}} inside', body_html: BODY_HTML },
      201,
    );
    await this.request('POST', `/v1/campaigns/${campaign.id}/submit`);
    return campaign.id;
  }

  /** Creates a draft promotion whose HTML body is `body_html` repeated to about `kb` KB; returns its id. */
  async bigDraft(title: string, kb: number): Promise<number> {
    const body = BODY_HTML.repeat(Math.max(1, Math.round((kb * 1024) / BODY_HTML.length)));
    const { campaign } = await this.request<{ campaign: ApiCampaign }>(
      'POST',
      '/v1/campaigns',
      { type: 'promotion', title, description: 'A long promotion for the list benchmark.', promo_code: 'BENCH20', subject: 'Hello {{first_name}}', body_html: body },
      201,
    );
    return campaign.id;
  }

  /** Approves `version` of a campaign (a campaign from submittedCampaign, never edited, is at version 1). */
  approve(id: number, version = 1) {
    return this.request<{ campaign: ApiCampaign }>('POST', `/v1/campaigns/${id}/approve`, { version });
  }

  async campaign(id: number): Promise<ApiCampaign> {
    return (await this.request<{ campaign: ApiCampaign }>('GET', `/v1/campaigns/${id}`)).campaign;
  }

  stats(id: number) {
    return this.request<CampaignStats>('GET', `/v1/campaigns/${id}/stats`);
  }
}

export interface SinkStats {
  total: number;
  unique: number;
  duplicates: number;
  lastAcceptedAt: number;
  bytes: number;
}
/** What the bench asks of an SMTP sink: bench/sink.ts over HTTP, or postfix's smtp-sink (bench/postfix-sink.ts). */
export interface SinkClient {
  stats(): Promise<SinkStats>;
  /** Messages per recipient address (lower case). */
  counts(): Promise<Record<string, number>>;
  reset(): Promise<unknown>;
}

/** The HTTP control interface of bench/sink.ts. */
export function sinkClient(base: string): SinkClient {
  const get = async <T>(path: string, method = 'GET') => {
    const res = await fetch(base + path, { method });
    if (!res.ok) throw new Error(`sink ${method} ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    stats: () => get<SinkStats>('/stats'),
    counts: () => get<Record<string, number>>('/counts'),
    reset: () => get<unknown>('/reset', 'POST'),
  };
}
