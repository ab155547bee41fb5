// Cart Monitoring (home): the store's carts, live, with filters, cursor paging and an Edit button per row.
import { Badge, Box, Button, Flex, FlexItem, Input, Panel, Select, Table, Text } from '@bigcommerce/big-design';
import { EditIcon } from '@bigcommerce/big-design-icons';
import { useCallback, useEffect, useState } from 'react';
import { api, describe } from '../api/client';
import type { CartStatus, CartSummary, Page, UserType } from '../api/types';
import { CartCounters } from '../components/CartCounters';
import { ErrorBox, Loading, When } from '../components/common';
import { StatusBadge } from '../components/StatusBadge';
import { countryName } from '../lib/countries';
import { useLiveEvents } from '../lib/live';
import { DEFAULT_FILTERS, type ListFilters, mergeLiveEvent } from '../lib/liveMerge';
import { formatMoney } from '../lib/money';
import { linkHandler, navigate } from '../lib/router';

const PAGE_SIZE = 25;

const STATUS_OPTIONS: Array<{ value: CartStatus | ''; content: string }> = [
  { value: 'active', content: 'Active' },
  { value: 'abandoned', content: 'Abandoned' },
  { value: 'converted', content: 'Converted' },
  { value: 'deleted', content: 'Deleted' },
  { value: 'blocked', content: 'Blocked' },
  { value: '', content: 'Any status' },
];

const USER_OPTIONS: Array<{ value: UserType | ''; content: string }> = [
  { value: '', content: 'Guests and customers' },
  { value: 'guest', content: 'Guests' },
  { value: 'customer', content: 'Customers' },
];

export function Monitoring() {
  const [filters, setFilters] = useState<ListFilters>(DEFAULT_FILTERS);
  const [draft, setDraft] = useState({ q: '', min_total: '' });
  const [cursors, setCursors] = useState<Array<string | null>>([null]); // the cursor of each page visited
  const [page, setPage] = useState<Page<CartSummary> | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [missed, setMissed] = useState(0);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    setLoading(true);
    setProblem(null);
    try {
      const result = await api.get<Page<CartSummary>>('/api/carts', {
        status: filters.status, user_type: filters.user_type, q: filters.q.trim(), min_total: filters.min_total.trim(),
        limit: PAGE_SIZE, cursor,
      });
      setPage(result);
      setMissed(0);
    } catch (exc) {
      setProblem(describe(exc));
    } finally {
      setLoading(false);
    }
  }, [filters, cursor]);

  useEffect(() => {
    void load();
  }, [load]);

  useLiveEvents((event) => {
    if (cursor !== null) {
      // Later pages stay put; the first page shows changes as they happen.
      setMissed((n) => n + 1);
      return;
    }
    setPage((current) => current && { ...current, items: mergeLiveEvent(current.items, event, filters).slice(0, PAGE_SIZE) });
  });

  const applySearch = (event: React.FormEvent) => {
    event.preventDefault();
    const min = draft.min_total.trim();
    if (min !== '' && !/^\d+(\.\d{1,4})?$/.test(min)) {
      setProblem('Minimum value must be a number such as 25 or 19.99.');
      return;
    }
    setCursors([null]);
    setFilters((f) => ({ ...f, q: draft.q, min_total: min }));
  };

  const items = page?.items ?? [];
  return (
    <>
      <CartCounters />
      <Panel header="Carts" description="Every cart in your store as shoppers change it, updated live.">
        <form onSubmit={applySearch} aria-label="Filter carts">
          <Flex flexGap="1rem" flexWrap="wrap" alignItems="flex-end" marginBottom="medium">
            <FlexItem flexBasis="160px">
              <Select label="Status" options={STATUS_OPTIONS} value={filters.status}
                onOptionChange={(value) => { setCursors([null]); setFilters((f) => ({ ...f, status: value ?? '' })); }} />
            </FlexItem>
            <FlexItem flexBasis="200px">
              <Select label="Shopper" options={USER_OPTIONS} value={filters.user_type}
                onOptionChange={(value) => { setCursors([null]); setFilters((f) => ({ ...f, user_type: value ?? '' })); }} />
            </FlexItem>
            <FlexItem flexGrow={1} flexBasis="220px">
              <Input label="Search" placeholder="Email, name or cart ID" value={draft.q}
                onChange={(e) => setDraft((d) => ({ ...d, q: e.target.value }))} />
            </FlexItem>
            <FlexItem flexBasis="140px">
              <Input label="Minimum value" inputMode="decimal" placeholder="0.00" value={draft.min_total}
                onChange={(e) => setDraft((d) => ({ ...d, min_total: e.target.value }))} />
            </FlexItem>
            <Button type="submit" variant="secondary">Apply</Button>
          </Flex>
        </form>
        {problem && <ErrorBox header="Carts could not be loaded" text={problem} onRetry={() => void load()} />}
        {missed > 0 && (
          <Box marginBottom="small">
            <Text color="primary">
              {missed} change{missed === 1 ? '' : 's'} since this page was loaded.{' '}
              <Button variant="subtle" onClick={() => setCursors([null])}>Back to the newest carts</Button>
            </Text>
          </Box>
        )}
        {loading && !page ? <Loading label="Loading carts…" /> : (
          <Table
            itemName="Carts"
            keyField="id"
            items={items}
            stickyHeader
            emptyComponent={<Box padding="large"><Text>No carts match these filters yet. New carts appear here as shoppers make them.</Text></Box>}
            columns={[
              { header: 'Shopper', hash: 'shopper', render: (cart) => <Shopper cart={cart} /> },
              { header: 'Status', hash: 'status', render: (cart) => <StatusBadge status={cart.status} /> },
              { header: 'Items', hash: 'items', align: 'right', render: (cart) => cart.item_count },
              { header: 'Total', hash: 'total', align: 'right',
                render: (cart) => <span data-testid="cart-total">{formatMoney(cart.grand_total, cart.currency)}</span> },
              { header: 'Country', hash: 'country', render: (cart) => (cart.country ? countryName(cart.country) : '—') },
              { header: 'Last update', hash: 'updated', render: (cart) => <When iso={cart.updated_at} /> },
              { header: 'Action', hash: 'edit', hideHeader: true, align: 'right', render: (cart) => (
                <Button variant="secondary" iconLeft={<EditIcon />} onClick={() => navigate(`/carts/${cart.id}`)}
                  aria-label={`Edit cart ${cart.id}`} data-cart-id={cart.id}>Edit</Button>
              ) },
            ]}
          />
        )}
        <Flex justifyContent="flex-end" flexGap="0.5rem" marginTop="medium">
          <Button variant="subtle" disabled={cursors.length <= 1 || loading}
            onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
          <Button variant="subtle" disabled={!page?.next_cursor || loading}
            onClick={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor ?? null])}>Next</Button>
        </Flex>
      </Panel>
    </>
  );
}

function Shopper({ cart }: { cart: CartSummary }) {
  const label = cart.name || cart.email || 'Guest shopper';
  return (
    <Box>
      <a href={`/carts/${cart.id}`} onClick={linkHandler(`/carts/${cart.id}`)}>{label}</a>
      <Flex flexGap="0.5rem" alignItems="center">
        <Badge label={cart.user_type === 'customer' ? 'Customer' : 'Guest'} variant="secondary" />
        {cart.name && cart.email && <Text as="span" color="secondary60" marginBottom="none">{cart.email}</Text>}
      </Flex>
      <Text as="span" color="secondary60" marginBottom="none"><small>{cart.id}</small></Text>
    </Box>
  );
}
