/**
 * The confirmation before an action: a native modal `<dialog>` (focus kept inside, Esc cancels)
 * with a note for pause and resume and the overlap choice for trigger.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobAction } from './api.js';

/** The action waiting for confirmation. */
export interface PendingAction {
  job: string;
  action: JobAction;
}

const TEXT: Record<JobAction, { title: string; explain: string; confirm: string }> = {
  trigger: {
    title: 'Run now',
    explain:
      'Starts a run at once, under the lease like a scheduled one: it is refused while a run holds the lease, unless you choose otherwise below. Runs even when the job is paused.',
    confirm: 'Run now',
  },
  pause: {
    title: 'Pause',
    explain: 'Its slots are skipped (and recorded as paused) until it is resumed. A run in progress goes on to its end.',
    confirm: 'Pause',
  },
  resume: { title: 'Resume', explain: 'Its next slot runs as scheduled.', confirm: 'Resume' },
  remove: {
    title: 'Remove runtime job',
    explain:
      'It starts no new slot, on any instance, from its next tick. A run in progress goes on to its end and records its outcome. Its run history stays in the table.',
    confirm: 'Remove',
  },
};

/** Props: the action to confirm, and what to do on confirm (with the fields) or cancel. */
export interface ConfirmDialogProps {
  pending: PendingAction;
  onConfirm: (payload: Record<string, unknown>) => void;
  onCancel: () => void;
}

/** Asks before an action; the payload is the POST body (`{ note }` or `{ overlap }`). */
export function ConfirmDialog({ pending, onConfirm, onCancel }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [note, setNote] = useState('');
  const [overlap, setOverlap] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  const text = TEXT[pending.action];
  const submit = (event: Event): void => {
    event.preventDefault();
    if (pending.action === 'trigger') onConfirm(overlap ? { overlap } : {});
    else onConfirm(note.trim() ? { note: note.trim() } : {});
  };
  // Escape: the dialog stays open until the parent closes it.
  const cancel = (event: Event): void => {
    event.preventDefault();
    onCancel();
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={cancel}>
      <form onSubmit={submit}>
        <h2 id="confirm-title">
          {text.title} <code>{pending.job}</code>?
        </h2>
        <p>{text.explain}</p>
        {pending.action === 'trigger' ? (
          <label>
            While a run holds the lease
            <select value={overlap} onChange={(event) => setOverlap((event.target as HTMLSelectElement).value)}>
              <option value="">refuse (reported locked)</option>
              <option value="bufferOne">wait for it, then run (bufferOne)</option>
              <option value="allow">run alongside it (allow)</option>
            </select>
          </label>
        ) : pending.action === 'remove' ? null : (
          <label>
            Note (optional, shown on the page and in <code>status</code>)
            <input
              type="text"
              maxLength={500}
              value={note}
              placeholder={pending.action === 'pause' ? 'e.g. deploying v2, back at 15:00' : ''}
              onInput={(event) => setNote((event.target as HTMLInputElement).value)}
            />
          </label>
        )}
        <div class="dialog-buttons">
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class={pending.action === 'pause' || pending.action === 'remove' ? 'warn' : 'primary'}>
            {text.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
