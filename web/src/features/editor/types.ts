/** What the variable picker and the error links ask of whichever body editor is showing. */
export interface BodyEditorHandle {
  /** Inserts text at the cursor (replacing the selection) and puts the focus back in the editor. */
  insert(text: string): void;
  /** Moves the cursor to a line and column (1-based) and focuses the editor; HTML mode only. */
  goTo?(line: number, column: number): void;
}

/** The props both body editors take. */
export interface BodyEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The accessible name of the editing area. */
  label: string;
  /** Ids of the texts that describe the field (its hint, its error). */
  describedBy?: string;
  invalid?: boolean;
  /** A line to mark as the place of a template error (1-based), if any. */
  errorLine?: number;
  /** The form's name for the field, for focusing it after a refused save. */
  field: string;
}

/** The template variables a person may insert. */
export const VARIABLES = [
  { name: 'first_name', label: 'First name' },
  { name: 'last_name', label: 'Last name' },
  { name: 'email', label: 'Email address' },
  { name: 'promo_code', label: 'Promo code', promotionOnly: true },
  { name: 'unsubscribe_url', label: 'Unsubscribe link' },
] as const;

/** The line and column a template problem names ("… at line 2, column 12"), if it names them. */
export function problemAt(message: string | undefined): { line: number; column: number } | undefined {
  if (!message) return undefined;
  const m = /line (\d+)(?:, column (\d+))?/.exec(message);
  return m ? { line: Number(m[1]), column: m[2] ? Number(m[2]) : 1 } : undefined;
}
