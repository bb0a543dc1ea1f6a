import { convert } from 'html-to-text';
import { Tokenizer } from 'htmlparser2';

/** Elements whose content is raw text, never shown as part of a link (and never parsed for tags). */
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'template']);

/**
 * True when the HTML has a link a reader can follow to `url`: an `<a href>` equal to it (entities
 * decoded, blanks around it ignored) with text or an image inside. Read with htmlparser2's
 * tokenizer, so the URL in an attribute of another element, a comment, a script or an empty link
 * does not count. The tokenizer alone, not the Parser: the Parser's element stack costs time
 * quadratic in the nesting depth (hundreds of milliseconds for 256 KiB of unclosed <div>s), and this
 * runs for every recipient.
 */
export function hasVisibleLink(html: string, url: string): boolean {
  if (!/href/i.test(html)) return false;
  let found = false;
  let inLink = false; // inside the content of a matching <a>
  let rawText = ''; // the raw-text element being skipped, if any
  let tag = '';
  let attribute = '';
  let value = '';
  let href: string | undefined;
  const name = (start: number, end: number) => html.slice(start, end).toLowerCase();
  const see = () => {
    found = true;
    tokenizer.pause();
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname(start, end) {
        tag = name(start, end);
        href = undefined;
      },
      onattribname(start, end) {
        attribute = name(start, end);
        value = '';
      },
      onattribdata(start, end) {
        value += html.slice(start, end);
      },
      onattribentity(codepoint) {
        value += String.fromCodePoint(codepoint);
      },
      onattribend() {
        if (attribute === 'href' && href === undefined) href = value;
      },
      onopentagend() {
        if (rawText) return;
        if (tag === 'a') inLink = href?.trim() === url; // a new <a> ends the one before
        else if (tag === 'img' && inLink) see();
        else if (RAW_TEXT.has(tag)) rawText = tag;
      },
      onselfclosingtag() {
        if (!rawText && tag === 'img' && inLink) see();
      },
      onclosetag(start, end) {
        const closed = name(start, end);
        if (rawText) {
          if (closed === rawText) rawText = '';
        } else if (closed === 'a') inLink = false;
      },
      ontext(start, end) {
        if (inLink && !rawText && html.slice(start, end).trim()) see();
      },
      ontextentity(codepoint) {
        if (inLink && !rawText && String.fromCodePoint(codepoint).trim()) see();
      },
      oncomment() {},
      oncdata() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  tokenizer.write(html);
  if (!found) tokenizer.end();
  return found;
}

/** Plain text derived from an HTML template (the template variables survive as text). */
export function htmlToText(html: string): string {
  // No upper-casing of headings or header cells: it would turn {{first_name}} into the unknown {{FIRST_NAME}}.
  const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
  return convert(html, {
    wordwrap: 100,
    // html-to-text recurses per element: deeper content is elided rather than overflowing the stack.
    limits: { maxDepth: 100 },
    selectors: [{ selector: 'img', format: 'skip' }, ...keepCase, { selector: 'table', options: { uppercaseHeaderCells: false } }],
  });
}
