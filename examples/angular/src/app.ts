import { ChangeDetectionStrategy, Component } from '@angular/core';
import { chatResource, type ChatPolicy } from '../../../src/angular/index.js';
import { reply } from './replies.js';

@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <h1>agenticraft-rx · Angular chat</h1>
      <ol class="messages" aria-live="polite">
        @for (message of chat.messages(); track message.id) {
          <li [class]="message.role" [attr.data-status]="message.status ?? null">
            {{ message.content }}
            @if (message.status === 'pending') { <span class="hint">…</span> }
            @if (message.status === 'interrupted') { <span class="hint">(stopped)</span> }
            @if (message.error; as error) { <span class="hint" role="alert">{{ error.message }}</span> }
          </li>
        }
      </ol>
      <form (submit)="send($event, prompt)">
        <input #prompt name="prompt" placeholder="Say something" autocomplete="off" aria-label="Message" />
        <button type="submit">Send</button>
        <button type="button" class="stop" (click)="chat.stop()" [disabled]="!chat.isStreaming()">Stop</button>
      </form>
      <p class="status">status: <span data-testid="status">{{ chat.status() }}</span> · policy: {{ policy }}</p>
    </main>
  `,
  styles: `
    main { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
    .messages { list-style: none; padding: 0; }
    .messages li { padding: 0.5rem 0.75rem; margin: 0.25rem 0; border-radius: 0.5rem; white-space: pre-wrap; }
    .user { background: #e8f0fe; text-align: right; }
    .assistant { background: #f1f3f4; }
    .hint { color: #777; font-size: 0.85em; }
    form { display: flex; gap: 0.5rem; }
    input { flex: 1; padding: 0.5rem; }
  `,
})
export class App {
  /** A new message while a reply streams stops that reply (its partial text stays) and answers the new one. */
  readonly policy: ChatPolicy = 'switch';
  readonly chat = chatResource({ stream: reply, policy: this.policy });

  send(event: Event, prompt: HTMLInputElement): void {
    event.preventDefault();
    if (this.chat.send(prompt.value)) prompt.value = '';
  }
}
