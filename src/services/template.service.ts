import Handlebars from 'handlebars';
import { MAX_BODY_LENGTH } from '../domain/campaign.ts';
import type { FieldProblem } from '../domain/errors.ts';
import { checkTemplate, valueBounds, type TemplateVars } from './template.checks.ts';
import { htmlToText } from './template.html.ts';

// The template layer: limits before parsing (template.limits.ts), the allow-list (template.checks.ts),
// HTML reading (template.html.ts); here, the checks of a whole campaign and its compiled renderers.
export { checkTemplate, MAX_RENDERED_LENGTH, TEMPLATE_VARIABLES, valueBounds, type TemplateVars, type ValueBounds } from './template.checks.ts';
export { hasVisibleLink, htmlToText } from './template.html.ts';

const hbs = Handlebars.create();

/** Unicode code points in `s` (a surrogate pair is one). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

/** The templates of a campaign as written, and what their values can be. */
export interface CampaignTemplates {
  subject: string;
  bodyHtml: string;
  /** Empty or null: derived from the HTML. */
  bodyText: string | null;
  promoCode: string | null;
  /** The longest unsubscribe URL a recipient can get. */
  unsubscribeUrl: string;
}

/** What a check or a conversion is busy with: the field a time limit blames. */
export type TemplateStage = 'subject' | 'body_html' | 'body_text' | 'derive_text';

/**
 * Checks the three templates of a campaign and derives the text body when none is given: the
 * work that can take long on hostile input, meant for a worker thread. `stage` hears of each step.
 */
export function checkCampaignTemplates(t: CampaignTemplates, stage: (s: TemplateStage) => void = () => {}): { bodyText: string; problems: FieldProblem[] } {
  const bounds = valueBounds(t.promoCode ?? '', t.unsubscribeUrl);
  const problems: FieldProblem[] = [];
  stage('subject');
  problems.push(...checkTemplate('subject', t.subject, false, bounds));
  stage('body_html');
  problems.push(...checkTemplate('body_html', t.bodyHtml, true, bounds));
  if (t.bodyText) {
    stage('body_text');
    problems.push(...checkTemplate('body_text', t.bodyText, false, bounds));
    return { bodyText: t.bodyText, problems };
  }
  if (problems.some((q) => q.field === 'body_html')) return { bodyText: '', problems };
  stage('derive_text');
  const bodyText = htmlToText(t.bodyHtml);
  const length = codePoints(bodyText); // as the schema counts body_text
  if (length > MAX_BODY_LENGTH) {
    const message = `is too long as plain text: the text body derived from it has ${length.toLocaleString('en')} characters, more than the ${MAX_BODY_LENGTH.toLocaleString('en')} allowed; shorten the HTML or give body_text`;
    problems.push({ field: 'body_html', message });
    return { bodyText: '', problems };
  }
  // The derived text is a template too (decoded entities can form tags): it must compile as well.
  stage('body_html');
  problems.push(...checkTemplate('body_html', bodyText, false, bounds).map((q) => ({ ...q, message: `(as plain text) ${q.message}` })));
  return { bodyText, problems };
}

export interface CompiledCampaign {
  subject: (v: TemplateVars) => string;
  html: (v: TemplateVars) => string;
  text: (v: TemplateVars) => string;
}

/** Compiles the three templates of a campaign; values are HTML-escaped in the HTML body only. */
export function compileCampaign(t: { subject: string; bodyHtml: string; bodyText: string }): CompiledCampaign {
  const opts = { strict: false, knownHelpersOnly: true, knownHelpers: { if: true, unless: true } } as const;
  const subject = hbs.compile(t.subject, { ...opts, noEscape: true });
  return {
    subject: (v) => subject(v).replace(/[\r\n]+/g, ' '),
    html: hbs.compile(t.bodyHtml, opts),
    text: hbs.compile(t.bodyText, { ...opts, noEscape: true }),
  };
}
