// The add-rule form: kind, value, block or allow, note and expiry; the preview of what the rule would hit before
// it is saved; the API's own validation message shown next to the form when it refuses the rule.
import { Box, Button, Flex, Form, FormGroup, InlineMessage, Input, Select, Text } from '@bigcommerce/big-design';
import { useContext, useState } from 'react';
import { api, describe } from '../../api/client';
import type { Rule, RuleDraft, RuleKind, RulePreview } from '../../api/types';
import { endOfDay } from '../../lib/dates';
import { formatMoney } from '../../lib/money';
import { MeContext } from '../me';

export const KIND_LABELS: Record<RuleKind, string> = {
  email: 'Email address',
  email_domain: 'Email domain',
  ip: 'IP address',
  cidr: 'IP range (CIDR)',
  country: 'Country',
};

const PLACEHOLDERS: Record<RuleKind, string> = {
  email: 'fraud@example.com',
  email_domain: 'example.com',
  ip: '203.0.113.7',
  cidr: '203.0.113.0/24',
  country: 'Two-letter code, e.g. RU',
};

// An expiry date means "until the end of that day" in the store's time zone; the API takes an aware ISO time.
export function draftOf(kind: RuleKind, value: string, action: 'block' | 'allow', note: string, expires: string,
  timeZone?: string): RuleDraft {
  const draft: RuleDraft = { kind, value: value.trim(), action };
  if (note.trim()) draft.note = note.trim();
  if (expires) draft.expires_at = endOfDay(expires, timeZone);
  return draft;
}

export function RuleForm({ onAdded }: { onAdded(rule: Rule): void }) {
  const [kind, setKind] = useState<RuleKind>('email');
  const [value, setValue] = useState('');
  const [action, setAction] = useState<'block' | 'allow'>('block');
  const [note, setNote] = useState('');
  const [expires, setExpires] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [busy, setBusy] = useState<'add' | 'preview' | null>(null);

  const timeZone = useContext(MeContext)?.store?.timezone ?? undefined;
  const draft = () => draftOf(kind, value, action, note, expires, timeZone);

  const showPreview = async () => {
    setBusy('preview');
    setProblem(null);
    try {
      setPreview(await api.post<RulePreview>('/api/blacklist/rules/preview', draft()));
    } catch (exc) {
      setPreview(null);
      setProblem(describe(exc));
    } finally {
      setBusy(null);
    }
  };

  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy('add');
    setProblem(null);
    try {
      const rule = await api.post<Rule>('/api/blacklist/rules', draft());
      setValue('');
      setNote('');
      setExpires('');
      setPreview(null);
      onAdded(rule);
    } catch (exc) {
      setProblem(describe(exc));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Form onSubmit={add} aria-label="Add a rule">
      <Flex flexGap="1rem" flexWrap="wrap" alignItems="flex-end">
        <Box style={{ minWidth: 180 }}>
          <FormGroup>
            <Select label="Kind" value={kind} onOptionChange={(v) => { setKind(v as RuleKind); setPreview(null); }}
              options={(Object.keys(KIND_LABELS) as RuleKind[]).map((k) => ({ value: k, content: KIND_LABELS[k] }))} />
          </FormGroup>
        </Box>
        <Box style={{ minWidth: 240, flex: 1 }}>
          <FormGroup>
            <Input label="Value" value={value} placeholder={PLACEHOLDERS[kind]} required
              onChange={(e) => { setValue(e.target.value); setPreview(null); }} />
          </FormGroup>
        </Box>
        <Box style={{ minWidth: 160 }}>
          <FormGroup>
            <Select label="Action" value={action} onOptionChange={(v) => setAction(v as 'block' | 'allow')}
              options={[{ value: 'block', content: 'Block' }, { value: 'allow', content: 'Allow (overrides blocks)' }]} />
          </FormGroup>
        </Box>
        <Box style={{ minWidth: 200, flex: 1 }}>
          <FormGroup>
            <Input label="Note" value={note} placeholder="Why (optional)" onChange={(e) => setNote(e.target.value)} />
          </FormGroup>
        </Box>
        <Box style={{ minWidth: 170 }}>
          <FormGroup>
            <Input label="Expires on" type="date" value={expires} description={`Optional; to the end of that day${timeZone ? ` (${timeZone})` : ''}`}
              onChange={(e) => setExpires(e.target.value)} />
          </FormGroup>
        </Box>
      </Flex>
      {problem && (
        <Box marginBottom="medium">
          <InlineMessage type="error" header="The rule was not saved" messages={[{ text: problem }]} />
        </Box>
      )}
      <Flex flexGap="0.5rem">
        <Button type="submit" isLoading={busy === 'add'} disabled={!value.trim() || busy !== null}>Add rule</Button>
        <Button type="button" variant="secondary" isLoading={busy === 'preview'}
          disabled={!value.trim() || busy !== null} onClick={showPreview}>Preview hits</Button>
      </Flex>
      {preview && <PreviewList preview={preview} action={action} />}
    </Form>
  );
}

function PreviewList({ preview, action }: { preview: RulePreview; action: 'block' | 'allow' }) {
  const verb = action === 'block' ? 'would block' : 'would let through';
  if (!preview.carts.length && !preview.orders.length) {
    return <Box marginTop="medium"><Text>This rule matches no active cart and no order of the last 30 days.</Text></Box>;
  }
  return (
    <Box marginTop="medium" aria-label="Preview" role="region">
      <Text bold>
        This rule {verb} {preview.carts.length} active cart{preview.carts.length === 1 ? '' : 's'} and matches{' '}
        {preview.orders.length} order{preview.orders.length === 1 ? '' : 's'} of the last 30 days:
      </Text>
      <ul>
        {preview.carts.map((c) => (
          <li key={`cart-${c.cart_id ?? c.id}`}>
            Cart {String(c.cart_id ?? c.id).slice(0, 8)} · {c.email ?? 'guest'} · {formatMoney(c.grand_total, c.currency)}
            {c.matched ? ` (matched ${c.matched})` : ''}
          </li>
        ))}
        {preview.orders.map((o) => (
          <li key={`order-${o.order_id ?? o.id}`}>
            Order #{o.order_id ?? o.id} · {o.email ?? 'guest'} · {formatMoney(o.grand_total, o.currency)}
            {o.matched ? ` (matched ${o.matched})` : ''}
          </li>
        ))}
      </ul>
    </Box>
  );
}
