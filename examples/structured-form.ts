/**
 * `npx tsx examples/structured-form.ts` — a form filled field by field while the model writes it, offline.
 *
 * An agent's `streamObject` asks for a sign-up form as JSON (here a provider that streams prepared JSON text,
 * so no network and no key: mode 'auto' falls back to 'json' instructions for it). Each snapshot's `partial`
 * is the form so far; a field is filled once the next one begins; the last snapshot carries the object
 * validated by the zod schema. Untouched subtrees keep their identity: `address` is the same object in every
 * snapshot after it closed, so a memoised view of it would render once.
 */
import { lastValueFrom, tap } from 'rxjs';
import { z } from 'zod';
import { Agent, arrayElements, mockStream, type ChatRequest, type Provider } from '../src/index.js';

const SignUp = z.object({
  name: z.string(),
  email: z.string().email(),
  address: z.object({ city: z.string(), country: z.string() }),
  interests: z.array(z.string()),
  newsletter: z.boolean(),
});
type SignUp = z.infer<typeof SignUp>;

const ANSWER = JSON.stringify({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  address: { city: 'London', country: 'UK' },
  interests: ['mathematics', 'engines', 'poetry'],
  newsletter: true,
});
const delay = Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 15);

/** A provider whose answer is prepared JSON text, streamed in small chunks like a model's. */
const offline: Provider = {
  name: 'offline',
  model: 'prepared-json',
  info: () => ({ provider: 'offline', model: 'prepared-json', supportsStreaming: true, supportsTools: false }),
  stream: (_request: ChatRequest) => mockStream(ANSWER, { chunkSize: 7, delay, metadata: { provider: 'offline', model: 'prepared-json' } }),
};

async function main(): Promise<void> {
  const agent = new Agent({ name: 'forms', provider: offline, instructions: 'Fill in forms from what the user says.' });
  const printed = new Set<string>();
  let snapshots = 0;
  let address: unknown;
  let addressKept = 0;

  const last = await lastValueFrom(
    agent.streamObject('Sign me up: Ada Lovelace, ada@example.com, London UK; I like maths, engines, poetry.', { schema: SignUp, name: 'sign_up' }).pipe(
      tap(({ partial, done }) => {
        snapshots++;
        if (address !== undefined && partial.address === address) addressKept++;
        const keys = Object.keys(partial) as (keyof SignUp)[];
        // Every key but the last is complete; on the last snapshot all are.
        for (const key of done ? keys : keys.slice(0, -1)) {
          if (printed.has(key)) continue;
          printed.add(key);
          console.log(`  ${key.padEnd(10)} ${JSON.stringify(partial[key])}`);
          if (key === 'address') address = partial.address;
        }
      }),
    ),
  );
  console.log(`form complete after ${snapshots} snapshots; valid: ${SignUp.safeParse(last.object).success}`);
  console.log(`address kept its identity across ${addressKept} later snapshots`);

  // A list that grows row by row: arrayElements emits each element as it closes.
  const rows: string[] = [];
  await lastValueFrom(
    mockStream('{"interests":["mathematics","engines","poetry"]}', { chunkSize: 6, delay }).pipe(
      arrayElements({ key: 'interests', schema: z.string() }),
      tap(({ index, element }) => rows.push(`${index}:${element}`)),
    ),
  );
  console.log(`rows as they closed: ${rows.join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
