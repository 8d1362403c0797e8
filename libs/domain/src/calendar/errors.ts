import { ValidationError } from '../shared/errors.js';

/**
 * A working-calendar or period option that cannot be used (unknown time zone, malformed holiday date, business
 * hours out of order, ...). `field` names the offending option, e.g. `timeZone`, `holidays[2]`,
 * `businessHours.start`. It is a {@link ValidationError}, so the API layer maps it to BAD_USER_INPUT.
 */
export class CalendarConfigError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, `${field}: ${message}`);
    this.name = 'CalendarConfigError';
  }
}
