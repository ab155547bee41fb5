// Blacklists: the store's rules (kind, value, action, note, hits, last hit, expiry, enabled).
// Not finished: the add-rule form, preview, enable/disable, remove and the hits list are still to come.
import { Box, Panel, Table, Text } from '@bigcommerce/big-design';
import { useEffect, useState } from 'react';
import { api, describe } from '../api/client';
import type { Page, Rule } from '../api/types';
import { ErrorBox, Loading, When } from '../components/common';

export function Blacklists() {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    api.get<Page<Rule>>('/api/blacklist/rules').then((r) => setRules(r.items), (exc) => setProblem(describe(exc)));
  }, []);
  return (
    <Panel header="Blacklists" description="Rules that block carts and orders by email, domain, IP or country.">
      {problem && <ErrorBox header="Rules could not be loaded" text={problem} />}
      {!rules && !problem ? <Loading label="Loading rules…" /> : (
        <Table itemName="Rules" keyField="id" items={rules ?? []}
          emptyComponent={<Box padding="medium"><Text>No rules yet.</Text></Box>}
          columns={[
            { header: 'Kind', hash: 'kind', render: (r) => r.kind },
            { header: 'Value', hash: 'value', render: (r) => r.value },
            { header: 'Action', hash: 'action', render: (r) => r.action },
            { header: 'Note', hash: 'note', render: (r) => r.note ?? '—' },
            { header: 'Hits', hash: 'hits', align: 'right', render: (r) => r.hits },
            { header: 'Last hit', hash: 'last', render: (r) => <When iso={r.last_hit_at} /> },
            { header: 'Expires', hash: 'exp', render: (r) => (r.expires_at ? <When iso={r.expires_at} /> : 'never') },
            { header: 'Enabled', hash: 'enabled', render: (r) => (r.enabled ? 'yes' : 'no') },
          ]} />
      )}
    </Panel>
  );
}
