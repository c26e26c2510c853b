/**
 * What a DynamoDB expression is made of before it is parsed: the item and placeholder types, the
 * server's validation error, the tokens (each expression tokenized once) and the request's
 * placeholders with DynamoDB's rule that every one must be used, and the reserved words.
 */

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

/** One lexical unit: a bare word, a #name or :value placeholder, an operator, or a number. */
export type Token = { kind: 'name' | 'hash' | 'colon' | 'op' | 'num'; text: string };

/** Tokens by expression: the core sends the same few expressions over and over (tokens are never changed). */
const tokensByText = new Map<string, readonly Token[]>();

/** The tokens of `text`, from the cache when it was seen before. */
export function tokenize(text: string): readonly Token[] {
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

// A few of DynamoDB's reserved words that our item attributes would otherwise collide with.
export const RESERVED = new Set([
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
