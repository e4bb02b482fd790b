import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calculator, evaluateExpression, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from '../src/tools/calculator.js';
import { toolJsonSchema } from '../src/tools/tool.js';
import { CalculatorError, isCalculatorError } from '../src/errors/CalculatorError.js';
import { AgenticraftError } from '../src/errors/AgenticraftError.js';

function failure(expression: unknown): CalculatorError {
  try {
    evaluateExpression(expression as string);
  } catch (error) {
    expect(error).toBeInstanceOf(CalculatorError);
    return error as CalculatorError;
  }
  throw new Error(`expected ${String(expression)} to fail`);
}

describe('evaluateExpression', () => {
  it.each([
    ['1 + 2', 3],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 / 4', 2.5],
    ['10 - 2 - 3', 5],
    ['2 ^ 10', 1024],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['-(3 + 4)', -7],
    ['--3', 3],
    ['+5', 5],
    ['10 % 3', 1],
    ['7.5 % 2', 1.5],
    ['3.14159 * 2', 6.28318],
    ['.5 + .25', 0.75],
    ['1e3 + 1', 1001],
    ['0.1 + 0.2', 0.3],
    ['15% of 2500', 375],
    ['2500 * 15%', 375],
    ['15% of $2,500', 375],
    ['50%', 0.5],
    ['(50%)', 0.5],
    ['1,000,000 / 4', 250000],
    ['3 × 4 ÷ 2', 6],
    ['2 ** 8', 256],
    ['  7  ', 7],
    ['-0', 0],
  ])('%s = %s', (expression, expected) => {
    expect(evaluateExpression(expression)).toBe(expected);
  });

  it.each([
    ['', 'unexpected_end'],
    ['   ', 'unexpected_end'],
    ['2 +', 'unexpected_end'],
    ['(1 + 2', 'unexpected_end'],
    ['1 + 2)', 'unexpected_token'],
    ['* 3', 'unexpected_token'],
    ['2 3', 'unexpected_token'],
    ['()', 'unexpected_token'],
    ['1 / 0', 'division_by_zero'],
    ['5 % 0', 'division_by_zero'],
    ['0 ^ -1', 'division_by_zero'],
    ['1 / (2 - 2)', 'division_by_zero'],
    ['1e400', 'not_finite'],
    ['10 ^ 400', 'not_finite'],
    ['(-8) ^ (1/3)', 'not_finite'],
    ['abc', 'unexpected_character'],
    ['Math.PI', 'unexpected_character'],
    ['process.exit(1)', 'unexpected_character'],
    ['constructor', 'unexpected_character'],
    ['2; 3', 'unexpected_character'],
    ['1,2345', 'unexpected_character'],
    ['$', 'unexpected_character'],
    ['15 of 200', 'unexpected_token'],
    ['"1"', 'unexpected_character'],
  ])('%j fails with %s', (expression, code) => {
    const error = failure(expression);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('names the place of the problem', () => {
    expect(failure('1 + 2 * )').message).toBe("Unexpected ')' at position 8");
    expect(failure('1 + x').position).toBe(4);
    expect(failure('4 / 0').message).toBe('Division by zero at position 2');
  });

  it('refuses huge and deeply nested input before doing any work', () => {
    expect(failure('1+'.repeat(MAX_EXPRESSION_LENGTH)).code).toBe('too_long');
    expect(failure('('.repeat(MAX_EXPRESSION_DEPTH + 1) + '1' + ')'.repeat(MAX_EXPRESSION_DEPTH + 1)).code).toBe('too_deep');
    expect(failure('-'.repeat(MAX_EXPRESSION_DEPTH + 1) + '1').code).toBe('too_deep');
    expect(failure('2^'.repeat(MAX_EXPRESSION_DEPTH + 1) + '1').code).toBe('too_deep');
    expect(evaluateExpression('('.repeat(MAX_EXPRESSION_DEPTH) + '1' + ')'.repeat(MAX_EXPRESSION_DEPTH))).toBe(1);
  });

  it('refuses what is not a string', () => {
    expect(failure(42).code).toBe('invalid_input');
    expect(failure(null).code).toBe('invalid_input');
    expect(failure({ toString: () => '1+1' }).code).toBe('invalid_input');
  });

  it('CalculatorError is an AgenticraftError with a name-based guard', () => {
    const error = failure('1/0');
    expect(error).toBeInstanceOf(AgenticraftError);
    expect(error.name).toBe('CalculatorError');
    expect(isCalculatorError(error)).toBe(true);
    expect(isCalculatorError(new Error('x'))).toBe(false);
  });

  describe('properties', () => {
    it('never throws anything but a CalculatorError, and only returns finite numbers (fuzz)', () => {
      const alphabet = fc.constantFrom(...'0123456789+-*/%^(). ,$eE×÷ofx'.split(''), ' of ', '**', '1e308', '9'.repeat(30));
      const input = fc.oneof(fc.string({ maxLength: 60 }), fc.array(alphabet, { maxLength: 80 }).map((parts) => parts.join('')));
      fc.assert(
        fc.property(input, (expression) => {
          try {
            const value = evaluateExpression(expression);
            return typeof value === 'number' && Number.isFinite(value);
          } catch (error) {
            return isCalculatorError(error) && error instanceof CalculatorError;
          }
        }),
        { numRuns: 5000 },
      );
    });

    it('agrees with exact arithmetic on integer sums and products', () => {
      // `+ 0` turns JS's -0 into 0: the calculator never answers "-0".
      const int = fc.integer({ min: -1000, max: 1000 });
      fc.assert(
        fc.property(int, int, int, (a, b, c) => {
          expect(evaluateExpression(`${a} + ${b} * ${c}`)).toBe(a + b * c + 0);
          expect(evaluateExpression(`(${a} - ${b}) * ${c}`)).toBe((a - b) * c + 0);
        }),
      );
    });

    it('X% of Y equals Y * X%', () => {
      const n = fc.integer({ min: 0, max: 100_000 });
      fc.assert(fc.property(n, n, (x, y) => evaluateExpression(`${x}% of ${y}`) === evaluateExpression(`${y} * ${x}%`)));
    });
  });
});

describe('calculator tool', () => {
  it('is a tool named calculator with a JSON Schema for { expression: string }', async () => {
    expect(calculator.name).toBe('calculator');
    expect(toolJsonSchema(calculator)).toMatchObject({
      type: 'object',
      properties: { expression: { type: 'string' } },
      required: ['expression'],
    });
    const signal = new AbortController().signal;
    expect(await calculator.execute({ expression: '15% of 2500' }, { signal, toolCallId: 'c' })).toBe(375);
  });

  it('throws a CalculatorError for bad arguments (the agent reports it to the model)', () => {
    const signal = new AbortController().signal;
    expect(() => calculator.execute({ expression: 'rm -rf /' }, { signal, toolCallId: 'c' })).toThrow(CalculatorError);
    expect(() => calculator.execute({} as { expression: string }, { signal, toolCallId: 'c' })).toThrow(/must be a string/);
  });
});
