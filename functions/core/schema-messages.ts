/**
 * Schema errors as messages: the one wording of "unknown key", "missing key" and "key has value
 * V; expected E" shared by the schedule file, a config object and the status page's request
 * bodies. Callers say where (the file and the job, or the action) and whether it is a `key` or a
 * `field`; a message always names the key and shows the value.
 */
import type { z } from 'zod';

/** A value as messages show it: JSON, cut to 80 characters; a function (a code config may hold one) as such, not as its source. */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  // JSON would show an infinite number (YAML's 1e400, .inf) as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** What a message calls a name in the input: a schedule or config `key`, a request body's `field`. */
export type KeyNoun = 'key' | 'field';

/** `unknown key "a", "b" with value 1 (allowed: ...)`; the value is the first key's. */
export function unknownKeyMessage(noun: KeyNoun, keys: readonly string[], value: unknown, allowed: string): string {
  return `unknown ${noun} "${keys.join('", "')}" with value ${showValue(value)} (${allowed})`;
}

/** `key "lease" has value "x"; expected ...`. */
export function invalidValueMessage(noun: KeyNoun, key: string, value: unknown, expected: string): string {
  return `${noun} "${key}" has value ${showValue(value)}; expected ${expected}`;
}

/**
 * A failed parse as one message about its first issue, with the key and the value it names.
 * Several unknown keys give one line per key, each with its own value (the key and value
 * fields name the first).
 */
export interface SchemaErrorText {
  message: string;
  key?: string;
  value?: unknown;
}

export interface SchemaErrorOptions {
  noun: KeyNoun;
  /** The text after an unknown key's value, inside the parentheses: `allowed: a, b`. */
  allowed: string;
  /** Keys whose numbers are described by their range rather than by the schema's wording. */
  ranged?: Readonly<Record<string, string>>;
  /** Keys whose expected value is described by this text, whatever the value's type (a time: ISO 8601). */
  described?: Readonly<Record<string, string>>;
}

function expectedOf(issue: z.core.$ZodIssue, key: string, value: unknown, options: SchemaErrorOptions): string {
  const described = options.described?.[key];
  if (described) return described;
  const range = options.ranged?.[key];
  if (range && typeof value === 'number') return range;
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((choice) => showValue(choice)).join(', ')}`;
    case 'too_big':
      return issue.origin === 'string' ? `a string of at most ${String(issue.maximum)} characters` : issue.message;
    case 'invalid_type':
      return issue.expected === 'record' ? 'a mapping of name to value' : `a ${issue.expected}`;
    case 'invalid_union':
      return unionExpected(issue) ?? issue.message;
    default:
      return issue.message;
  }
}

/**
 * "a boolean or a string" for a union of plain types that the value is none of, in place of zod's
 * own "Invalid input"; undefined when the union has its own message or a branch is more than a type.
 */
function unionExpected(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  if (issue.message !== 'Invalid input') return undefined;
  const types = issue.errors.map((branch) => {
    const [only, ...more] = branch;
    return only?.code === 'invalid_type' && more.length === 0 && only.path.length === 0 ? only.expected : undefined;
  });
  if (types.length === 0 || types.some((type) => type === undefined)) return undefined;
  return types.map((type) => (type === 'record' ? 'a mapping of name to value' : `a ${type}`)).join(' or ');
}

/** Describes the first issue of `error`, raised parsing the object `input`. */
export function describeSchemaError(
  error: z.ZodError,
  input: Readonly<Record<string, unknown>>,
  options: SchemaErrorOptions,
): SchemaErrorText {
  const [issue] = error.issues;
  if (!issue) return { message: error.message };
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.keys.map((key) => unknownKeyMessage(options.noun, [key], input[key], options.allowed));
    return { message: lines.join('\n'), key: issue.keys[0], value: input[issue.keys[0] ?? ''] };
  }
  const key = issue.path.map(String).join('.');
  const value = key ? input[String(issue.path[0])] : undefined;
  if (value === undefined && key) return { message: `missing ${options.noun} "${key}"`, key };
  return { message: invalidValueMessage(options.noun, key, value, expectedOf(issue, key, value, options)), key, value };
}
