// Transferring a live call: to a queue, a counselor or a department's
// phone line; blind (hand over now) or attended (talk to the target first,
// then complete or cancel). The center records every step; this dialog
// follows the transfer under way until it completes or is cancelled.
import { useEffect, useState } from 'preact/hooks';
import { get, post, seg } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import type { Contact } from '../lib/types';
import { Modal } from './Modal';
import { errorText, notify, notifyError } from './notify';
import { useSession } from './session';
import { FormActions } from './FormActions';
import { SelectField } from './SelectField';

interface Pending {
  transfer?: { id: string; mode: 'blind' | 'attended'; to_queue?: string; to_agent?: string; to_department?: string };
  answered: boolean;
}

type Target = 'queue' | 'agent' | 'department';

/**
 * CallTransfer is the call panel's transfer button, dialog and progress.
 * When the softphone's controls carry the button (onOpen given), the
 * dialog opens from there and no second button shows.
 */
export function CallTransfer(props: { contact: Contact; open?: boolean; onOpen?(open: boolean): void }) {
  useLang();
  const [own, setOwn] = useState(false);
  const outside = props.onOpen !== undefined;
  const open = outside ? !!props.open : own;
  const setOpen = outside ? props.onOpen! : setOwn;
  const [pending, setPending] = useState<Pending>({ answered: false });
  const path = `/api/contacts/${seg(props.contact.id)}/call-transfer`;

  // While a transfer rings or is being talked over, follow it: the
  // target's answer turns Complete on; a cancel or completion ends it.
  useEffect(() => {
    if (!pending.transfer) return;
    let stop = false;
    const tick = async () => {
      try {
        const p = await get<Pending>(path);
        if (!stop) setPending(p);
      } catch {
        // the call moved on (completed to someone else, ended)
        if (!stop) setPending({ answered: false });
      }
    };
    const id = setInterval(tick, 1000);
    return () => {
      stop = true;
      clearInterval(id);
    };
  }, [pending.transfer?.id]);

  async function act(what: 'complete' | 'cancel') {
    try {
      await post(`${path}/${what}`);
      notify(t(what === 'complete' ? 'call_transfer_completed' : 'call_transfer_cancelled'));
      setPending({ answered: false });
    } catch (err) {
      notifyError(err);
    }
  }

  const tr = pending.transfer;
  return (
    <div class="call-transfer">
      {tr ? (
        <div class="transfer-bar" role="status" data-testid="call-transfer-pending" data-answered={pending.answered ? 'yes' : 'no'}>
          <span>{pending.answered ? t('call_transfer_talking') : t('call_transfer_ringing')}</span>
          {tr.mode === 'attended' && (
            <button type="button" class="primary" disabled={!pending.answered} onClick={() => act('complete')} data-testid="call-transfer-complete">
              {t('call_transfer_complete')}
            </button>
          )}
          <button type="button" class="ghost" onClick={() => act('cancel')} data-testid="call-transfer-cancel">
            {t('call_transfer_cancel')}
          </button>
        </div>
      ) : (
        !outside && (
          <button type="button" class="ghost" onClick={() => setOpen(true)} data-testid="call-transfer-open">
            {t('call_transfer')}
          </button>
        )
      )}
      {open && (
        <CallTransferDialog
          contact={props.contact}
          onClose={() => setOpen(false)}
          onStarted={(p) => {
            setOpen(false);
            // A queue transfer is complete at once; nothing to follow.
            if (p.transfer && !p.transfer.to_queue) setPending(p);
            notify(t(p.transfer?.to_queue ? 'transferred' : 'call_transfer_ringing'));
          }}
        />
      )}
    </div>
  );
}

function CallTransferDialog(props: { contact: Contact; onClose(): void; onStarted(p: Pending): void }) {
  useLang();
  const { ref, me } = useSession();
  const queues = ref.queues ?? [];
  const agents = (ref.agents ?? []).filter((a) => a.id !== me.user.id);
  const departments = (ref.departments ?? []).filter((d) => d.sip_uri);
  const [to, setTo] = useState<Target>('queue');
  const [mode, setMode] = useState<'blind' | 'attended'>('blind');
  const [queueId, setQueueId] = useState(queues[0]?.id ?? '');
  const [agentId, setAgentId] = useState(agents[0]?.id ?? '');
  const [deptId, setDeptId] = useState(departments[0]?.id ?? '');
  const [note, setNote] = useState('');
  const [summary, setSummary] = useState(props.contact.memo ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    const body: Record<string, string> = { mode: to === 'queue' ? 'blind' : mode };
    if (to === 'queue') body.queue_id = queueId;
    if (to === 'agent') body.agent_id = agentId;
    if (to === 'department') {
      body.department_id = deptId;
      if (!summary.trim()) return setError(t('call_transfer_need_summary'));
      body.summary = summary.trim();
    }
    if (!body.queue_id && !body.agent_id && !body.department_id) return setError(t('transfer_need_target'));
    if (note.trim()) body.note = note.trim();
    setBusy(true);
    setError('');
    try {
      props.onStarted(await post<Pending>(`/api/contacts/${seg(props.contact.id)}/call-transfer`, body));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const radio = (value: Target, label: string) => (
    <label>
      <input type="radio" name="to" checked={to === value} onChange={() => setTo(value)} data-testid={`call-transfer-to-${value}`} />
      {label}
    </label>
  );

  return (
    <Modal title={t('call_transfer')} onClose={props.onClose}>
      <form class="transfer" onSubmit={submit} data-testid="call-transfer-form">
        <fieldset class="radios">
          {radio('queue', t('to_queue'))}
          {radio('agent', t('to_agent'))}
          {radio('department', t('to_department'))}
        </fieldset>
        {to === 'queue' && (
          <SelectField label={t('queue')} value={queueId} options={queues} testId="call-transfer-queue" onChange={setQueueId} />
        )}
        {to === 'agent' && (
          <SelectField label={t('agent')} value={agentId} options={agents} testId="call-transfer-agent" onChange={setAgentId} />
        )}
        {to === 'department' && (
          <>
            <SelectField label={t('department')} value={deptId} options={departments} testId="call-transfer-department" onChange={setDeptId} />
            {departments.length === 0 && <p class="muted small">{t('call_transfer_no_lines')}</p>}
            <label>
              {t('call_transfer_summary')}
              <textarea rows={3} value={summary} onInput={(e) => setSummary(e.currentTarget.value)} data-testid="call-transfer-summary" />
            </label>
          </>
        )}
        {to !== 'queue' && (
          <fieldset class="radios">
            <label>
              <input type="radio" name="mode" checked={mode === 'blind'} onChange={() => setMode('blind')} data-testid="call-transfer-blind" />
              {t('call_transfer_blind')}
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'attended'} onChange={() => setMode('attended')} data-testid="call-transfer-attended" />
              {t('call_transfer_attended')}
            </label>
          </fieldset>
        )}
        <label>
          {t('transfer_note')}
          <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="call-transfer-note" />
        </label>
        <FormActions error={error} busy={busy} label={t('transfer_submit')} testId="call-transfer-submit" onCancel={props.onClose} />
      </form>
    </Modal>
  );
}
