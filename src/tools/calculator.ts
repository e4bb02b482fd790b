import { CalculatorError } from '../errors/CalculatorError.js';
import { defineTool, type Tool } from './tool.js';

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting accepted: parentheses plus chained unary signs. */
export const MAX_EXPRESSION_DEPTH = 64;

type TokenKind = 'number' | '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')' | 'of' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly position: number;
  readonly value?: number;
  readonly text: string;
}

// A number: digits with optional thousands separators (2,500), a decimal part and an exponent; or .5
const NUMBER = /(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
const WORD = /[\p{L}_][\p{L}\p{N}_]*/uy;
const SPACE = /\s/;
const CURRENCY = new Set(['$', '€', '£', '¥']);
const SYMBOLS: Readonly<Record<string, TokenKind>> = {
  '+': '+',
  '-': '-',
  '−': '-',
  '*': '*',
  '×': '*',
  '/': '/',
  '÷': '/',
  '%': '%',
  '^': '^',
  '(': '(',
  ')': ')',
};

/**
 * Evaluates an arithmetic expression with a recursive-descent parser (no `eval`, no `Function`).
 *
 * Supports `+ - * / ^` (also `×`, `÷`, `**`), parentheses, decimals (`.5`, `2.75`, `1e3`), unary minus,
 * modulo (`10 % 3`), percentages (`2500 * 15%`, `15% of 2500`, `50%` = 0.5), thousands separators and a
 * currency sign before a number (`15% of $2,500`). `^` binds tighter than unary minus and is
 * right-associative: `-2^2` = -4, `2^3^2` = 512. A `%` directly followed by a number or `(` is modulo;
 * otherwise it is a percentage. The result is rounded to 15 significant digits (`0.1 + 0.2` = 0.3).
 *
 * ```ts
 * evaluateExpression('15% of 2500');        // 375
 * evaluateExpression('(1 + 2) * -3 ^ 2');   // -27
 * evaluateExpression('1 / 0');              // throws CalculatorError (code 'division_by_zero')
 * ```
 *
 * @param expression At most {@link MAX_EXPRESSION_LENGTH} characters, nested at most {@link MAX_EXPRESSION_DEPTH} deep.
 * @returns The value, always a finite number.
 * @throws {CalculatorError} for anything else: a clear message, a `code` and the `position` of the problem.
 */
export function evaluateExpression(expression: string): number {
  if (typeof expression !== 'string') {
    throw new CalculatorError(`The expression must be a string, got ${expression === null ? 'null' : typeof expression}`, {
      code: 'invalid_input',
    });
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new CalculatorError(`The expression is too long: ${expression.length} characters, at most ${MAX_EXPRESSION_LENGTH}`, {
      code: 'too_long',
    });
  }
  const result = new Parser(tokenize(expression)).parse();
  const rounded = Number(result.toPrecision(15));
  return Object.is(rounded, -0) ? 0 : rounded;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    if (ch === '*' && input[i + 1] === '*') {
      tokens.push({ kind: '^', position: i, text: '**' });
      i += 2;
      continue;
    }
    const symbol = SYMBOLS[ch];
    if (symbol !== undefined) {
      tokens.push({ kind: symbol, position: i, text: ch });
      i++;
      continue;
    }
    const start = i;
    if (CURRENCY.has(ch)) i++;
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(input);
    if (number) {
      const value = Number(number[0].replaceAll(',', ''));
      if (!Number.isFinite(value)) {
        throw new CalculatorError(`The number ${number[0]} at position ${i} is too large`, { code: 'not_finite', position: i });
      }
      tokens.push({ kind: 'number', position: start, value, text: number[0] });
      i += number[0].length;
      continue;
    }
    if (i > start) {
      throw new CalculatorError(`A number must follow '${ch}' at position ${start}`, { code: 'unexpected_character', position: start });
    }
    WORD.lastIndex = i;
    const word = WORD.exec(input);
    if (word && word[0].toLowerCase() === 'of') {
      tokens.push({ kind: 'of', position: i, text: word[0] });
      i += word[0].length;
      continue;
    }
    if (word) {
      throw new CalculatorError(
        `Unknown name '${clip(word[0])}' at position ${i}: only numbers, + - * / % ^, parentheses and "X% of Y" are allowed`,
        { code: 'unexpected_character', position: i },
      );
    }
    const code = input.codePointAt(i)!;
    throw new CalculatorError(`Unexpected character '${String.fromCodePoint(code)}' at position ${i}`, {
      code: 'unexpected_character',
      position: i,
    });
  }
  tokens.push({ kind: 'end', position: input.length, text: '' });
  return tokens;
}

class Parser {
  readonly #tokens: readonly Token[];
  #index = 0;
  #depth = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): number {
    if (this.#peek().kind === 'end') throw new CalculatorError('The expression is empty', { code: 'unexpected_end', position: 0 });
    const value = this.#additive();
    const next = this.#peek();
    if (next.kind !== 'end') throw this.#unexpected(next);
    return value;
  }

  // additive := multiplicative (('+' | '-') multiplicative)*
  #additive(): number {
    let value = this.#multiplicative();
    for (let op = this.#peek(); op.kind === '+' || op.kind === '-'; op = this.#peek()) {
      this.#index++;
      const right = this.#multiplicative();
      value = finite(op.kind === '+' ? value + right : value - right, op);
    }
    return value;
  }

  // multiplicative := unary (('*' | '/' | '%' | 'of') unary)*     ('of' only after a percentage)
  #multiplicative(): number {
    let value = this.#unary();
    for (let op = this.#peek(); op.kind === '*' || op.kind === '/' || op.kind === '%' || op.kind === 'of'; op = this.#peek()) {
      if (op.kind === 'of' && this.#tokens[this.#index - 1]?.kind !== '%') {
        throw new CalculatorError(`'of' at position ${op.position} must follow a percentage, as in "15% of 2500"`, {
          code: 'unexpected_token',
          position: op.position,
        });
      }
      this.#index++;
      const right = this.#unary();
      if ((op.kind === '/' || op.kind === '%') && right === 0) {
        throw new CalculatorError(`Division by zero at position ${op.position}`, { code: 'division_by_zero', position: op.position });
      }
      const result = op.kind === '/' ? value / right : op.kind === '%' ? value % right : value * right;
      value = finite(result, op);
    }
    return value;
  }

  // unary := ('+' | '-') unary | power
  #unary(): number {
    const op = this.#peek();
    if (op.kind === '+' || op.kind === '-') {
      this.#index++;
      this.#enter(op);
      const value = this.#unary();
      this.#depth--;
      return op.kind === '-' ? -value : value;
    }
    return this.#power();
  }

  // power := postfix ('^' unary)?       right-associative, the exponent may be signed: 2^-1
  #power(): number {
    const base = this.#postfix();
    const op = this.#peek();
    if (op.kind !== '^') return base;
    this.#index++;
    this.#enter(op);
    const exponent = this.#unary();
    this.#depth--;
    if (base === 0 && exponent < 0) {
      throw new CalculatorError(`Division by zero at position ${op.position} (0 to a negative power)`, {
        code: 'division_by_zero',
        position: op.position,
      });
    }
    return finite(base ** exponent, op);
  }

  // postfix := primary '%'*      a '%' directly followed by a number or '(' is modulo, not a percentage
  #postfix(): number {
    let value = this.#primary();
    while (this.#peek().kind === '%') {
      const after = this.#tokens[this.#index + 1]?.kind;
      if (after === 'number' || after === '(') break;
      this.#index++;
      value /= 100;
    }
    return value;
  }

  // primary := number | '(' additive ')'
  #primary(): number {
    const token = this.#peek();
    if (token.kind === 'number') {
      this.#index++;
      return token.value!;
    }
    if (token.kind === '(') {
      this.#index++;
      this.#enter(token);
      const value = this.#additive();
      const close = this.#peek();
      if (close.kind !== ')') {
        if (close.kind === 'end') {
          throw new CalculatorError(`Missing ')' for the '(' at position ${token.position}`, { code: 'unexpected_end', position: close.position });
        }
        throw this.#unexpected(close);
      }
      this.#index++;
      this.#depth--;
      return value;
    }
    throw this.#unexpected(token);
  }

  #peek(): Token {
    return this.#tokens[this.#index]!;
  }

  #enter(token: Token): void {
    if (++this.#depth > MAX_EXPRESSION_DEPTH) {
      throw new CalculatorError(`The expression is nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels) at position ${token.position}`, {
        code: 'too_deep',
        position: token.position,
      });
    }
  }

  #unexpected(token: Token): CalculatorError {
    if (token.kind === 'end') {
      return new CalculatorError('The expression ends too early: a number or ( is missing at the end', {
        code: 'unexpected_end',
        position: token.position,
      });
    }
    return new CalculatorError(`Unexpected '${clip(token.text)}' at position ${token.position}`, {
      code: 'unexpected_token',
      position: token.position,
    });
  }
}

function finite(value: number, op: Token): number {
  if (Number.isNaN(value)) {
    throw new CalculatorError(`The result of '${op.text}' at position ${op.position} is not a real number`, {
      code: 'not_finite',
      position: op.position,
    });
  }
  if (!Number.isFinite(value)) {
    throw new CalculatorError(`The result of '${op.text}' at position ${op.position} is too large`, { code: 'not_finite', position: op.position });
  }
  return value;
}

function clip(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}

/**
 * The guide's `calculator_tool`: lets the model do exact arithmetic with {@link evaluateExpression}.
 * A malformed expression reaches the model as an error result it can correct.
 *
 * ```ts
 * const agent = new Agent({ name: 'Math', model: 'gpt-4o-mini', tools: [calculator] });
 * for await (const chunk of agent.stream("What's 15% of $2,500?")) process.stdout.write(chunk.content);
 * ```
 */
export const calculator: Tool<{ readonly expression: string }, number> = defineTool({
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression exactly and returns the number. Supports + - * / ^, parentheses, decimals, ' +
    'unary minus, modulo (10 % 3) and percentages ("15% of 2500", "2500 * 15%"). No variables or functions.',
  parameters: {
    type: 'object',
    properties: {
      expression: { type: 'string', description: 'The expression, e.g. "(2 + 3) * 4" or "15% of 2500"', maxLength: MAX_EXPRESSION_LENGTH },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  execute: (args) => evaluateExpression(args['expression'] as string),
}) as Tool<{ readonly expression: string }, number>;
