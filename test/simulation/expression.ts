/**
 * A small evaluator for DynamoDB expressions (condition, update, key condition, projection):
 * the subset a document client sends, with DynamoDB's rules for missing attributes, mixed
 * types and unused or undefined placeholders. Proven against dynalite by a differential test.
 */
import { copyOf } from './item-copy.js';

/** A document item: attribute name -> JS value, as the document client sees it. */
export type Item = Record<string, unknown>;

/** Placeholders of one request. */
export interface ExpressionScope {
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** The server's 400 for a malformed request, named as the SDK names it. */
export class ValidationError extends Error {
  override name = 'ValidationException';
}

type Token = { kind: 'name' | 'hash' | 'colon' | 'op' | 'num'; text: string };

/** Tokens by expression: the core sends the same few expressions over and over (tokens are never changed). */
const tokensByText = new Map<string, readonly Token[]>();

function tokenize(text: string): readonly Token[] {
  let tokens = tokensByText.get(text);
  if (!tokens) {
    tokens = tokensOf(text);
    if (tokensByText.size < 10_000) tokensByText.set(text, tokens);
  }
  return tokens;
}

function tokensOf(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|[=<>(),+\-.[\]])|([A-Za-z_][A-Za-z0-9_]*)|([0-9]+))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new ValidationError(`Invalid expression: syntax error near "${text.slice(index, index + 10)}"`);
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'hash', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'colon', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'op', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'name', text: match[4] });
    else tokens.push({ kind: 'num', text: match[5]! });
  }
  return tokens;
}

/** Tracks which placeholders the expressions of one request used. */
export class Placeholders {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();
  constructor(private readonly scope: ExpressionScope) {}

  name(token: string): string {
    const resolved = this.scope.names?.[token];
    if (resolved === undefined)
      throw new ValidationError(`An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    this.usedNames.add(token);
    return resolved;
  }

  value(token: string): unknown {
    if (!this.scope.values || !(token in this.scope.values)) {
      throw new ValidationError(`An expression attribute value used in expression is not defined; attribute value: ${token}`);
    }
    this.usedValues.add(token);
    return this.scope.values[token];
  }

  /** DynamoDB refuses placeholders that no expression of the request uses. */
  checkAllUsed(): void {
    const unusedValues = Object.keys(this.scope.values ?? {}).filter((key) => !this.usedValues.has(key));
    if (unusedValues.length > 0)
      throw new ValidationError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
    const unusedNames = Object.keys(this.scope.names ?? {}).filter((key) => !this.usedNames.has(key));
    if (unusedNames.length > 0)
      throw new ValidationError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  }
}

class Parser {
  #index = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly placeholders: Placeholders,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.#index + offset];
  }
  done(): boolean {
    return this.#index >= this.tokens.length;
  }
  take(): Token {
    const token = this.tokens[this.#index++];
    if (!token) throw new ValidationError('Invalid expression: unexpected end of expression');
    return token;
  }
  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'name' && token.text.toUpperCase() === word.toUpperCase();
  }
  isOp(op: string): boolean {
    const token = this.peek();
    return token?.kind === 'op' && token.text === op;
  }
  expectOp(op: string): void {
    const token = this.take();
    if (token.kind !== 'op' || token.text !== op) throw new ValidationError(`Invalid expression: expected "${op}", found "${token.text}"`);
  }

  /** A top-level attribute name (nested paths are not used by the core). */
  path(): string {
    const token = this.take();
    if (token.kind === 'hash') return this.placeholders.name(token.text);
    if (token.kind === 'name') {
      if (RESERVED.has(token.text.toUpperCase()))
        throw new ValidationError(`Invalid expression: Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
      return token.text;
    }
    throw new ValidationError(`Invalid expression: expected an attribute name, found "${token.text}"`);
  }

  // condition := or
  condition(): (item: Item) => boolean {
    let left = this.conjunction();
    while (this.isKeyword('OR')) {
      this.take();
      const [a, b] = [left, this.conjunction()];
      left = (item) => a(item) || b(item);
    }
    return left;
  }
  conjunction(): (item: Item) => boolean {
    let left = this.negation();
    while (this.isKeyword('AND')) {
      this.take();
      const [a, b] = [left, this.negation()];
      left = (item) => a(item) && b(item);
    }
    return left;
  }
  negation(): (item: Item) => boolean {
    if (this.isKeyword('NOT')) {
      this.take();
      const inner = this.negation();
      return (item) => !inner(item);
    }
    return this.primary();
  }
  primary(): (item: Item) => boolean {
    if (this.isOp('(')) {
      this.take();
      const inner = this.condition();
      this.expectOp(')');
      return inner;
    }
    const token = this.peek();
    if (token?.kind === 'name' && this.peek(1)?.text === '(' && token.text !== 'size') {
      const fn = this.take().text;
      this.expectOp('(');
      if (fn === 'attribute_exists' || fn === 'attribute_not_exists') {
        const name = this.path();
        this.expectOp(')');
        return fn === 'attribute_exists' ? (item) => item[name] !== undefined : (item) => item[name] === undefined;
      }
      if (fn === 'begins_with' || fn === 'contains') {
        const a = this.operand();
        this.expectOp(',');
        const b = this.operand();
        this.expectOp(')');
        return fn === 'begins_with'
          ? (item) => {
              const [x, y] = [a(item), b(item)];
              return typeof x === 'string' && typeof y === 'string' && x.startsWith(y);
            }
          : (item) => {
              const [x, y] = [a(item), b(item)];
              if (typeof x === 'string' && typeof y === 'string') return x.includes(y);
              if (x instanceof Set) return x.has(y);
              if (Array.isArray(x)) return x.some((element) => deepEqual(element, y));
              return false;
            };
      }
      throw new ValidationError(`Invalid function name; function: ${fn}`);
    }
    const leftAt = this.#index;
    const left = this.operand();
    if (this.isKeyword('BETWEEN')) {
      this.take();
      const low = this.operand();
      if (!this.isKeyword('AND')) throw new ValidationError('Invalid expression: BETWEEN needs AND');
      this.take();
      const high = this.operand();
      return (item) => compare('>=', left(item), low(item)) && compare('<=', left(item), high(item));
    }
    if (this.isKeyword('IN')) {
      this.take();
      this.expectOp('(');
      const options = [this.operand()];
      while (this.isOp(',')) {
        this.take();
        options.push(this.operand());
      }
      this.expectOp(')');
      return (item) => options.some((option) => compare('=', left(item), option(item)));
    }
    const op = this.take();
    if (op.kind !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text))
      throw new ValidationError(`Invalid expression: expected a comparator, found "${op.text}"`);
    const rightAt = this.#index;
    const right = this.operand();
    if (
      this.tokens
        .slice(leftAt, leftAt + (this.#index - rightAt))
        .map((t) => t.text)
        .join(' ') ===
      this.tokens
        .slice(rightAt, this.#index)
        .map((t) => t.text)
        .join(' ')
    ) {
      throw new ValidationError(
        `Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: ${op.text}`,
      );
    }
    return (item) => compare(op.text, left(item), right(item));
  }
  operand(): (item: Item) => unknown {
    const token = this.peek();
    if (token?.kind === 'colon') {
      const value = this.placeholders.value(this.take().text);
      return () => value;
    }
    if (token?.kind === 'name' && token.text === 'size' && this.peek(1)?.text === '(') {
      this.take();
      this.take();
      const name = this.path();
      this.expectOp(')');
      return (item) => sizeOf(item[name]);
    }
    const name = this.path();
    return (item) => item[name];
  }

  // update := (SET actions | REMOVE paths | ADD actions | DELETE actions)+
  update(): (old: Item) => Item {
    const steps: ((old: Item, next: Item) => void)[] = [];
    const touched = new Set<string>();
    const seenClauses = new Set<string>();
    const touch = (name: string): void => {
      if (touched.has(name))
        throw new ValidationError(
          `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${name}], path two: [${name}]`,
        );
      touched.add(name);
    };
    while (!this.done()) {
      const clause = this.take();
      const word = clause.text.toUpperCase();
      if (clause.kind !== 'name' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(word))
        throw new ValidationError(`Invalid UpdateExpression: Syntax error; token: "${clause.text}"`);
      if (seenClauses.has(word))
        throw new ValidationError(`Invalid UpdateExpression: The "${word}" section can only be used once in an update expression;`);
      seenClauses.add(word);
      do {
        if (steps.length > 0 && this.isOp(',')) this.take();
        const name = this.path();
        touch(name);
        if (word === 'SET') {
          this.expectOp('=');
          const value = this.setValue();
          steps.push((old, next) => (next[name] = value(old)));
        } else if (word === 'REMOVE') {
          steps.push((_old, next) => delete next[name]);
        } else {
          const value = this.operand();
          steps.push((old, next) => {
            const current = old[name];
            const delta = value(old);
            if (word === 'ADD') {
              if (typeof delta === 'number') {
                if (current !== undefined && typeof current !== 'number')
                  throw new ValidationError('An operand in the update expression has an incorrect data type');
                next[name] = ((current as number | undefined) ?? 0) + delta;
              } else if (delta instanceof Set) {
                next[name] = new Set([...((current as Set<unknown> | undefined) ?? []), ...delta]);
              } else throw new ValidationError('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD');
            } else {
              if (!(delta instanceof Set))
                throw new ValidationError('Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE');
              const remaining = new Set([...((current as Set<unknown> | undefined) ?? [])].filter((element) => !delta.has(element)));
              if (remaining.size > 0) next[name] = remaining;
              else delete next[name];
            }
          });
        }
      } while (this.isOp(','));
    }
    return (old) => {
      const next = copyOf(old);
      for (const step of steps) step(old, next);
      return next;
    };
  }
  setValue(): (old: Item) => unknown {
    const first = this.setOperand();
    if (this.isOp('+') || this.isOp('-')) {
      const sign = this.take().text === '+' ? 1 : -1;
      const second = this.setOperand();
      return (old) => {
        const [a, b] = [first(old), second(old)];
        if (typeof a !== 'number' || typeof b !== 'number')
          throw new ValidationError('An operand in the update expression has an incorrect data type');
        return a + sign * b;
      };
    }
    return first;
  }
  setOperand(): (old: Item) => unknown {
    if (this.isKeyword('if_not_exists') && this.peek(1)?.text === '(') {
      this.take();
      this.take();
      const name = this.path();
      this.expectOp(',');
      const fallback = this.operand();
      this.expectOp(')');
      return (old) => old[name] ?? fallback(old);
    }
    const operand = this.operand();
    return (old) => {
      const value = operand(old);
      if (value === undefined) throw new ValidationError('The provided expression refers to an attribute that does not exist in the item');
      return value;
    };
  }

  projection(): string[] {
    const names = [this.path()];
    while (this.isOp(',')) {
      this.take();
      names.push(this.path());
    }
    return names;
  }
}

// A few of DynamoDB's reserved words that our item attributes would otherwise collide with.
const RESERVED = new Set([
  'STATUS',
  'TRIGGER',
  'ERROR',
  'NAME',
  'VALUE',
  'DATA',
  'KEY',
  'TIMESTAMP',
  'DURATION',
  'SIZE',
  'COUNT',
  'AND',
  'OR',
  'NOT',
  'SET',
  'REMOVE',
  'ADD',
  'DELETE',
]);

function sizeOf(value: unknown): number | undefined {
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

function parser(text: string, placeholders: Placeholders): Parser {
  if (text.trim() === '') throw new ValidationError('Invalid expression: The expression can not be empty;');
  return new Parser(tokenize(text), placeholders);
}

function whole<T>(p: Parser, result: T): T {
  if (!p.done()) throw new ValidationError(`Invalid expression: Syntax error; token: "${p.peek()!.text}"`);
  return result;
}

/** Parses a condition (or key condition / filter) into a predicate on an item. */
export function parseCondition(text: string, placeholders: Placeholders): (item: Item) => boolean {
  const p = parser(text, placeholders);
  return whole(p, p.condition());
}

/** Parses an update expression into a function from the old item to the new one. */
export function parseUpdate(text: string, placeholders: Placeholders): (old: Item) => Item {
  const p = parser(text, placeholders);
  return whole(p, p.update());
}

/** Parses a projection expression into the attribute names it keeps. */
export function parseProjection(text: string, placeholders: Placeholders): string[] {
  const p = parser(text, placeholders);
  return whole(p, p.projection());
}
