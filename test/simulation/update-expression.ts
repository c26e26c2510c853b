/**
 * Update expressions (SET, REMOVE, ADD, DELETE) for the memory table: parsed into a function from
 * the old item to the new one, with DynamoDB's rules on overlapping paths, repeated clauses and
 * operand types.
 */
import { type Parser, parser, whole } from './expression.js';
import { type Item, type Placeholders, ValidationError } from './expression-tokens.js';
import { copyOf } from './item-copy.js';

// update := (SET actions | REMOVE paths | ADD actions | DELETE actions)+
function updateOf(p: Parser): (old: Item) => Item {
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
  while (!p.done()) {
    const clause = p.take();
    const word = clause.text.toUpperCase();
    if (clause.kind !== 'name' || !['SET', 'REMOVE', 'ADD', 'DELETE'].includes(word))
      throw new ValidationError(`Invalid UpdateExpression: Syntax error; token: "${clause.text}"`);
    if (seenClauses.has(word))
      throw new ValidationError(`Invalid UpdateExpression: The "${word}" section can only be used once in an update expression;`);
    seenClauses.add(word);
    do {
      if (steps.length > 0 && p.isOp(',')) p.take();
      const name = p.path();
      touch(name);
      if (word === 'SET') {
        p.expectOp('=');
        const value = setValue(p);
        steps.push((old, next) => (next[name] = value(old)));
      } else if (word === 'REMOVE') {
        steps.push((_old, next) => delete next[name]);
      } else {
        const value = p.operand();
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
    } while (p.isOp(','));
  }
  return (old) => {
    const next = copyOf(old);
    for (const step of steps) step(old, next);
    return next;
  };
}
function setValue(p: Parser): (old: Item) => unknown {
  const first = setOperand(p);
  if (p.isOp('+') || p.isOp('-')) {
    const sign = p.take().text === '+' ? 1 : -1;
    const second = setOperand(p);
    return (old) => {
      const [a, b] = [first(old), second(old)];
      if (typeof a !== 'number' || typeof b !== 'number')
        throw new ValidationError('An operand in the update expression has an incorrect data type');
      return a + sign * b;
    };
  }
  return first;
}
function setOperand(p: Parser): (old: Item) => unknown {
  if (p.isKeyword('if_not_exists') && p.peek(1)?.text === '(') {
    p.take();
    p.take();
    const name = p.path();
    p.expectOp(',');
    const fallback = p.operand();
    p.expectOp(')');
    return (old) => old[name] ?? fallback(old);
  }
  const operand = p.operand();
  return (old) => {
    const value = operand(old);
    if (value === undefined) throw new ValidationError('The provided expression refers to an attribute that does not exist in the item');
    return value;
  };
}

/** Parses an update expression into a function from the old item to the new one. */
export function parseUpdate(text: string, placeholders: Placeholders): (old: Item) => Item {
  const p = parser(text, placeholders);
  return whole(p, updateOf(p));
}
