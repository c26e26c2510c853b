/**
 * A small evaluator for DynamoDB expressions (condition, key condition, projection; updates in
 * update-expression.ts): the subset a document client sends, with DynamoDB's rules for missing
 * attributes, mixed types and unused or undefined placeholders. Proven against dynalite by a
 * differential test.
 */
import { type Item, type Placeholders, RESERVED, type Token, tokenize, ValidationError } from './expression-tokens.js';
import { compare, deepEqual, sizeOf } from './expression-values.js';

/** A recursive-descent reader of one expression's tokens. */
export class Parser {
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

  projection(): string[] {
    const names = [this.path()];
    while (this.isOp(',')) {
      this.take();
      names.push(this.path());
    }
    return names;
  }
}

/** A parser over `text`; DynamoDB refuses an empty expression. */
export function parser(text: string, placeholders: Placeholders): Parser {
  if (text.trim() === '') throw new ValidationError('Invalid expression: The expression can not be empty;');
  return new Parser(tokenize(text), placeholders);
}

/** `result`, once the parser has read every token (anything left over is a syntax error). */
export function whole<T>(p: Parser, result: T): T {
  if (!p.done()) throw new ValidationError(`Invalid expression: Syntax error; token: "${p.peek()!.text}"`);
  return result;
}

/** Parses a condition (or key condition / filter) into a predicate on an item. */
export function parseCondition(text: string, placeholders: Placeholders): (item: Item) => boolean {
  const p = parser(text, placeholders);
  return whole(p, p.condition());
}

/** Parses a projection expression into the attribute names it keeps. */
export function parseProjection(text: string, placeholders: Placeholders): string[] {
  const p = parser(text, placeholders);
  return whole(p, p.projection());
}
