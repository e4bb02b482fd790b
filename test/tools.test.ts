import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, validateToolArguments } from '../src/tools/tool.js';

const weather = defineTool({
  name: 'weather',
  description: 'Weather for a city',
  parameters: z.object({ city: z.string(), days: z.number().int().positive().optional() }),
  execute: ({ city }) => `sunny in ${city}`,
});

describe('validateToolArguments', () => {
  it('answers synchronously for a synchronous schema, with the parsed value', () => {
    const result = validateToolArguments(weather, { city: 'Oslo', days: 2 });
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({ ok: true, value: { city: 'Oslo', days: 2 } });
  });

  it('names the tool and every failing path', () => {
    expect(validateToolArguments(weather, { days: -1 })).toEqual({
      ok: false,
      message: expect.stringMatching(/^Invalid arguments for tool weather: city: .+; days: .+/),
    });
  });

  it('answers with a Promise for a schema with async refinements; await works on both', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'd',
      parameters: z.object({ id: z.string() }).refine(async (v) => v.id !== 'bad', 'id must not be bad'),
      execute: () => 1,
    });
    const pending = validateToolArguments(slow, { id: 'bad' });
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual({ ok: false, message: 'Invalid arguments for tool slow: id must not be bad' });
    expect(await validateToolArguments(weather, { city: 'Rome' })).toEqual({ ok: true, value: { city: 'Rome' } });
  });

  it('checks arguments against a plain JSON Schema, synchronously (@cfworker/json-schema)', () => {
    const plain = defineTool({
      name: 'plain',
      description: 'd',
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] },
      execute: () => 1,
    });
    expect(validateToolArguments(plain, { city: 'Rome', extra: true })).toEqual({ ok: true, value: { city: 'Rome', extra: true } });
    expect(validateToolArguments(plain, { days: 0 })).toEqual({
      ok: false,
      message: 'Invalid arguments for tool plain: Instance does not have required property "city".; days: 0 is less than 1.',
    });
  });
});
