// Working-day calendar, zoned-time helpers and time-zone periods (pure TypeScript on Intl; no dependencies).
export * from './errors.js';
export * from './working-calendar.js';
export * from './periods.js';
export {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  canonicalTimeZone,
  civilFromDays,
  daysFromCivil,
  formatLocalDate,
  isValidTimeZone,
  isoWeekdayOfDay,
  localParts,
  parseLocalDate,
  timeZoneOffsetMs,
  zonedTimeToEpochMs,
  zonedTimeToInstant,
  type LocalDate,
  type LocalDateTime,
  type LocalParts,
} from './zoned-time.js';
