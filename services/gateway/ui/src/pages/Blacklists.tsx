// Blacklists: the store's rules (kind, value, action, note, hits, last hit, expiry, enabled), the add-rule form
// with its preview, enable/disable, remove, and the list of what the rules hit.
import { Box, Panel, Table, Text } from '@bigcommerce/big-design';
import { useCallback, useEffect, useState } from 'react';
import { api, describe } from '../api/client';
import type { Hit, Page, Rule } from '../api/types';
import { toastError, toastSuccess } from '../components/alerts';
import { RuleForm } from '../components/blacklist/RuleForm';
import { RulesTable } from '../components/blacklist/RulesTable';
import { ErrorBox, Loading, When } from '../components/common';
import { linkHandler } from '../lib/router';

export function Blacklists() {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      const [r, h] = await Promise.all([
        api.get<Page<Rule>>('/api/blacklist/rules'),
        api.get<Page<Hit>>('/api/blacklist/hits', { limit: 50 }),
      ]);
      setRules(r.items);
      setHits(h.items);
      setProblem(null);
    } catch (exc) {
      setProblem(describe(exc));
    }
  }, []);

  useEffect(() => { void load(); }, [load]);

  const toggle = async (rule: Rule) => {
    setBusy(rule.id);
    try {
      const updated = await api.patch<Rule>(`/api/blacklist/rules/${rule.id}`, { enabled: !rule.enabled });
      setRules((current) => current?.map((r) => (r.id === rule.id ? { ...r, ...updated } : r)) ?? null);
      toastSuccess(updated.enabled ? 'Rule enabled' : 'Rule disabled', rule.value);
    } catch (exc) {
      toastError('The rule was not changed', describe(exc));
    } finally {
      setBusy(null);
    }
  };

  const remove = async (rule: Rule) => {
    setBusy(rule.id);
    try {
      await api.del(`/api/blacklist/rules/${rule.id}`);
      setRules((current) => current?.filter((r) => r.id !== rule.id) ?? null);
      toastSuccess('Rule removed', rule.value);
      return true;
    } catch (exc) {
      toastError('The rule was not removed', describe(exc));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const added = (rule: Rule) => {
    setRules((current) => [rule, ...(current ?? [])]);
    toastSuccess('Rule added', `${rule.action === 'allow' ? 'Allowing' : 'Blocking'} ${rule.value}`);
    // What it blocked at once (matching active carts) shows in the hits shortly after.
    window.setTimeout(() => void load(), 1500);
  };

  return (
    <>
      <Panel header="Add a rule" description="Block carts and orders by email, email domain, IP, IP range or country. An allow rule wins over any block rule.">
        <RuleForm onAdded={added} />
      </Panel>
      <Panel header="Blacklist rules">
        {problem && <ErrorBox header="Rules could not be loaded" text={problem} onRetry={() => void load()} />}
        {!rules && !problem ? <Loading label="Loading rules…" /> :
          <RulesTable rules={rules ?? []} busy={busy} onToggle={toggle} onRemove={remove} />}
      </Panel>
      <Panel header="Hits" description="What each rule blocked, newest first.">
        {!hits && !problem ? <Loading label="Loading hits…" /> : (
          <Table itemName="Hits" keyField="id" items={(hits ?? []).map((h, i) => ({ ...h, id: h.id ?? i }))}
            emptyComponent={<Box padding="medium"><Text>No rule has hit anything yet.</Text></Box>}
            columns={[
              { header: 'When', hash: 'when', render: (h) => <When iso={h.hit_at} /> },
              { header: 'Rule', hash: 'rule', render: (h) => `${h.kind ?? ''} ${h.value ?? `#${h.rule_id}`}` },
              { header: 'Matched', hash: 'matched', render: (h) => h.matched ?? '—' },
              { header: 'What', hash: 'what', render: (h) => (h.cart_id ? (
                <a href={`/carts/${h.cart_id}`} onClick={linkHandler(`/carts/${h.cart_id}`)}>Cart {h.cart_id.slice(0, 8)}</a>
              ) : h.order_id ? `Order #${h.order_id}` : h.subject) },
            ]} />
        )}
      </Panel>
    </>
  );
}
