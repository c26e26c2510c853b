/**
 * Copies of items for the memory table: what `structuredClone` gives for the values a document
 * client sends (plain objects, arrays, Sets, primitives), several times faster, since the
 * simulation copies every item it stores, returns or records. Anything else goes to
 * `structuredClone` itself.
 */

/** A deep copy of `value`, as `structuredClone` would make it. */
export function copyOf<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value instanceof Set) return new Set([...value].map(copyOf)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyOf((value as Record<string, unknown>)[key]);
  return copy as T;
}
