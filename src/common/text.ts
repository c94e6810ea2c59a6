import { Matches } from 'class-validator';

/** C0 control characters other than tab, line feed and carriage return, and DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * Free text a person types (a reason, a note): no control characters. NUL in particular cannot be stored
 * by PostgreSQL at all, and the others only hide what a reader of the audit sees.
 */
export const PlainText = () =>
  Matches(new RegExp(`^[^${CONTROL_CHARS.source.slice(1, -1)}]*$`), {
    message: ({ property }) => `${property} must not contain control characters`,
  });

/** Text that must be stored whatever it holds (an audit row): control characters become U+FFFD. */
export function storable(text: string): string;
export function storable(text: string | null | undefined): string | null;
export function storable(text: string | null | undefined): string | null {
  return text == null ? null : text.replace(CONTROL_CHARS, '\uFFFD');
}
