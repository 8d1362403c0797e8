import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

// An instant needs an offset: "2024-03-01T10:00" alone is ambiguous, so it is refused rather than guessed.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
    throw new GraphQLError(
      `DateTime must be an ISO-8601 string with a time zone offset, e.g. 2024-03-01T10:00:00Z (got ${JSON.stringify(value)})`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime ${value} is not a real instant`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return date;
}

/** Replaces Nest's lenient built-in DateTime (which accepts any string `new Date()` can read). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string with offset (returned in UTC, e.g. 2024-03-01T10:00:00.000Z).',
  serialize: (value) => (value instanceof Date ? value : parseInstant(value)).toISOString(),
  parseValue: parseInstant,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseInstant(ast.value);
  },
});
