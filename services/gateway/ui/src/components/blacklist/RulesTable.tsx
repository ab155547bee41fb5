// The rules table: enable/disable in place, remove after a confirmation.
import { Badge, Box, Button, Modal, Switch, Table, Text } from '@bigcommerce/big-design';
import { DeleteIcon } from '@bigcommerce/big-design-icons';
import { useState } from 'react';
import type { Rule } from '../../api/types';
import { When } from '../common';
import { KIND_LABELS } from './RuleForm';

interface Props {
  rules: Rule[];
  busy: number | null;
  onToggle(rule: Rule): void;
  onRemove(rule: Rule): Promise<boolean>;
}

export function RulesTable({ rules, busy, onToggle, onRemove }: Props) {
  const [removing, setRemoving] = useState<Rule | null>(null);
  return (
    <>
      <Table itemName="Rules" keyField="id" items={rules} stickyHeader
        emptyComponent={<Box padding="medium"><Text>No rules yet. Add one above to block (or allow) carts and orders.</Text></Box>}
        columns={[
          { header: 'Kind', hash: 'kind', render: (r) => KIND_LABELS[r.kind] ?? r.kind },
          { header: 'Value', hash: 'value', render: (r) => <code>{r.value}</code> },
          { header: 'Action', hash: 'action',
            render: (r) => <Badge variant={r.action === 'allow' ? 'success' : 'danger'} label={r.action} /> },
          { header: 'Note', hash: 'note', render: (r) => r.note ?? '—' },
          { header: 'Hits', hash: 'hits', align: 'right', render: (r) => r.hits },
          { header: 'Last hit', hash: 'last', render: (r) => (r.last_hit_at ? <When iso={r.last_hit_at} /> : 'never') },
          { header: 'Expires', hash: 'exp', render: (r) => (r.expires_at ? <When iso={r.expires_at} /> : 'never') },
          { header: 'Enabled', hash: 'enabled',
            render: (r) => (
              <Switch checked={r.enabled} disabled={busy === r.id} onChange={() => onToggle(r)}
                aria-label={`${r.enabled ? 'Disable' : 'Enable'} rule ${r.value}`} />
            ) },
          { header: 'Remove', hash: 'remove', hideHeader: true,
            render: (r) => (
              <Button variant="subtle" iconOnly={<DeleteIcon title={`Remove rule ${r.value}`} />}
                aria-label={`Remove rule ${r.value}`} disabled={busy === r.id} onClick={() => setRemoving(r)} />
            ) },
        ]} />
      <Modal isOpen={removing !== null} header="Remove this rule?" variant="dialog" onClose={() => setRemoving(null)}
        closeOnEscKey closeOnClickOutside
        actions={[
          { text: 'Cancel', variant: 'subtle', onClick: () => setRemoving(null) },
          { text: 'Remove rule', actionType: 'destructive', isLoading: removing !== null && busy === removing.id,
            onClick: async () => { if (removing && (await onRemove(removing))) setRemoving(null); } },
        ]}>
        <Text>
          {removing ? `${KIND_LABELS[removing.kind]} ${removing.value}` : ''} will no longer
          {removing?.action === 'allow' ? ' let carts through.' : ' block carts or orders.'} Its hits stay in the list.
        </Text>
      </Modal>
    </>
  );
}
