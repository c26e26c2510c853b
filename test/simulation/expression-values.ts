/**
 * DynamoDB's reading of attribute values in expressions: their sizes, their types, equality
 * (a number never equals a string) and the comparators as dynalite evaluates them.
 */
import type { Item } from './expression-tokens.js';

/** `size(path)`: bytes of a string, elements of a set or list, attributes of a map. */
export function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Uint8Array) return value.length;
  if (value && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}

function typeOf(value: unknown): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return 'L';
  if (value instanceof Set) return 'SS';
  if (value instanceof Uint8Array) return 'B';
  return typeof value;
}

/** Deep equality with DynamoDB's typing: a number never equals a string. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (typeOf(a) !== typeOf(b)) return false;
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((element) => b.has(element));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((element, index) => deepEqual(element, b[index]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => deepEqual((a as Item)[key], (b as Item)[key]));
  }
  return a === b;
}

/**
 * The comparators as dynalite evaluates them: mixed types are unequal and unordered, a missing
 * attribute equals only another missing one, and `<=`/`>=` hold for equal values of any type.
 * (The core only ever compares an attribute with a placeholder value.)
 */
export function compare(op: string, a: unknown, b: unknown): boolean {
  const equal = a === undefined || b === undefined ? a === b : deepEqual(a, b);
  if (op === '=') return equal;
  if (op === '<>') return !equal;
  if (equal && a !== undefined && (op === '<=' || op === '>=')) return true;
  const ordered = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ordered) return false;
  const [x, y] = [a as number | string, b as number | string];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}
