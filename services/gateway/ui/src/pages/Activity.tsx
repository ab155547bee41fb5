// Activity: the audit log of staff actions, newest first, filterable by staff member.
import { Box, Button, Flex, Input, Panel, Table, Text } from '@bigcommerce/big-design';
import { useCallback, useEffect, useState } from 'react';
import { api, describe } from '../api/client';
import type { AuditEntry, Page } from '../api/types';
import { ErrorBox, Loading, When } from '../components/common';

export function Activity() {
  const [actor, setActor] = useState('');
  const [applied, setApplied] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<Page<AuditEntry> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    setProblem(null);
    try {
      setPage(await api.get<Page<AuditEntry>>('/api/audit', { actor: applied.trim(), cursor, limit: 50 }));
    } catch (exc) {
      setProblem(describe(exc));
    }
  }, [applied, cursor]);

  useEffect(() => { void load(); }, [load]);

  return (
    <Panel header="Activity" description="What staff did in Cartio, newest first.">
      <form onSubmit={(e) => { e.preventDefault(); setCursors([null]); setApplied(actor); }} aria-label="Filter activity">
        <Flex flexGap="1rem" alignItems="flex-end" marginBottom="medium">
          <Box style={{ minWidth: 280 }}>
            <Input label="Staff member" placeholder="Email" value={actor} onChange={(e) => setActor(e.target.value)} />
          </Box>
          <Button type="submit" variant="secondary">Filter</Button>
        </Flex>
      </form>
      {problem && <ErrorBox header="Activity could not be loaded" text={problem} onRetry={() => void load()} />}
      {!page && !problem ? <Loading label="Loading activity…" /> : (
        <Table itemName="Actions" keyField="id" items={page?.items ?? []}
          emptyComponent={<Box padding="medium"><Text>No staff actions yet.</Text></Box>}
          columns={[
            { header: 'When', hash: 'at', render: (e) => <When iso={e.at} /> },
            { header: 'Staff member', hash: 'actor', render: (e) => e.actor.email ?? `user ${e.actor.id ?? '?'}` },
            { header: 'Action', hash: 'action', render: (e) => <code>{e.action}</code> },
            { header: 'Target', hash: 'target', render: (e) => e.target ?? '—' },
            { header: 'Result', hash: 'status', render: (e) => (e.status < 400 ? `done (${e.status})` : `refused (${e.status})`) },
          ]} />
      )}
      <Flex justifyContent="flex-end" flexGap="0.5rem" marginTop="medium">
        <Button variant="subtle" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
        <Button variant="subtle" disabled={!page?.next_cursor}
          onClick={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor ?? null])}>Next</Button>
      </Flex>
    </Panel>
  );
}
