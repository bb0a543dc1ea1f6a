const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp for people, in their time zone; "—" for none. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? FORMAT.format(new Date(iso)) : '—';
}

/** An ISO timestamp as the date picker's value: `YYYY-MM-DD HH:mm:ss` in local time; '' for none. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:00`;
}

/** A local `YYYY-MM-DD HH:mm[:ss]` value (a space or a T between) as an ISO timestamp; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  // With a T and no zone, every browser reads it as local time.
  const d = new Date(value.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
