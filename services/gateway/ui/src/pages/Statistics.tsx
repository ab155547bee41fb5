// Cart Statistics ("Show data"): the funnel for a period, top added and top ordered products as charts and
// tables, and the CSV export.
import { Box, Flex, Grid, Link, Panel, Select, Table, Text } from '@bigcommerce/big-design';
import { FileDownloadIcon } from '@bigcommerce/big-design-icons';
import { useCallback, useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, describe, withQuery } from '../api/client';
import type { ReportSummary, TopAdded, TopOrdered } from '../api/types';
import { ErrorBox, Loading } from '../components/common';
import { Thumb } from '../components/cart/ItemsTable';
import { formatMoney } from '../lib/money';

const PERIODS = [
  { value: 1, content: 'Today' },
  { value: 7, content: 'Last 7 days' },
  { value: 30, content: 'Last 30 days' },
  { value: 90, content: 'Last 90 days' },
];

const BLUE = '#3c64f4';

interface Data {
  summary: ReportSummary;
  added: TopAdded[];
  ordered: TopOrdered[];
}

export function percent(rate: number | string): string {
  const value = Number(rate);
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '—';
}

export function Statistics() {
  const [days, setDays] = useState(30);
  const [data, setData] = useState<Data | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    setProblem(null);
    setData(null);
    try {
      const [summary, added, ordered] = await Promise.all([
        api.get<ReportSummary>('/api/reports/summary', { days }),
        api.get<{ items: TopAdded[] }>('/api/reports/top-added', { days, limit: 10 }),
        api.get<{ items: TopOrdered[] }>('/api/reports/top-ordered', { days, limit: 10 }),
      ]);
      setData({ summary, added: added.items, ordered: ordered.items });
    } catch (exc) {
      setProblem(describe(exc));
    }
  }, [days]);

  useEffect(() => { void load(); }, [load]);

  const currency = data?.summary.currency ?? 'USD';
  return (
    <>
      <Flex justifyContent="space-between" alignItems="flex-end" marginBottom="medium" flexWrap="wrap" flexGap="1rem">
        <Box style={{ minWidth: 220 }}>
          <Select label="Period" options={PERIODS} value={days} onOptionChange={(v) => v && setDays(v)} />
        </Box>
        <Link href={withQuery('/api/reports/export.csv', { days })} download>
          <FileDownloadIcon size="medium" /> Export CSV
        </Link>
      </Flex>
      {problem && <ErrorBox header="Statistics could not be loaded" text={problem} onRetry={() => void load()} />}
      {!data && !problem && <Loading label="Loading statistics…" />}
      {data && (
        <>
          <Funnel summary={data.summary} currency={currency} />
          <Grid gridColumns={{ mobile: '1fr', desktop: '1fr 1fr' }} gridGap="1.5rem">
            <Panel header="Top added products">
              <Chart rows={data.added.map((r) => ({ name: r.name, value: r.times_added }))} label="Times added" />
              <Table itemName="Top added" keyField="product_id" items={data.added}
                emptyComponent={<Text>No product was added in this period.</Text>}
                columns={[
                  { header: 'Image', hash: 'img', hideHeader: true, render: (r) => <Thumb src={r.image_url} alt={r.name} size={36} /> },
                  { header: 'Product', hash: 'name', render: (r) => r.name },
                  { header: 'Times added', hash: 'times', align: 'right', render: (r) => r.times_added },
                  { header: 'Quantity', hash: 'qty', align: 'right', render: (r) => r.quantity_added },
                ]} />
            </Panel>
            <Panel header="Top ordered products">
              <Chart rows={data.ordered.map((r) => ({ name: r.name, value: r.times_ordered }))} label="Times ordered" />
              <Table itemName="Top ordered" keyField="product_id" items={data.ordered}
                emptyComponent={<Text>No product was ordered in this period.</Text>}
                columns={[
                  { header: 'Image', hash: 'img', hideHeader: true, render: (r) => <Thumb src={r.image_url} alt={r.name} size={36} /> },
                  { header: 'Product', hash: 'name', render: (r) => r.name },
                  { header: 'Orders', hash: 'times', align: 'right', render: (r) => r.times_ordered },
                  { header: 'Quantity', hash: 'qty', align: 'right', render: (r) => r.quantity_ordered },
                  { header: 'Revenue', hash: 'rev', align: 'right', render: (r) => formatMoney(r.revenue, currency) },
                  { header: 'Conversion', hash: 'conv', align: 'right', render: (r) => percent(r.conversion_rate) },
                ]} />
            </Panel>
          </Grid>
        </>
      )}
    </>
  );
}

function Funnel({ summary, currency }: { summary: ReportSummary; currency: string }) {
  const steps = [
    { name: 'Created', value: summary.carts_created },
    { name: 'With email', value: summary.carts_with_email },
    { name: 'Abandoned', value: summary.carts_abandoned },
    { name: 'Recovered', value: summary.carts_recovered },
    { name: 'Converted', value: summary.carts_converted },
  ];
  return (
    <Panel header="Cart funnel" marginBottom="medium">
      <Flex flexGap="1rem" flexWrap="wrap" marginBottom="medium">
        {steps.map((s) => (
          <Box key={s.name} border="box" borderRadius="normal" padding="small" style={{ minWidth: 120, flex: 1 }}>
            <Text color="secondary60" marginBottom="none">{s.name}</Text>
            <Text bold marginBottom="none" data-testid={`funnel-${s.name}`} style={{ fontSize: 24 }}>{s.value}</Text>
          </Box>
        ))}
      </Flex>
      <Chart rows={steps} label="Carts" />
      <Text marginTop="small">Value abandoned {formatMoney(summary.value_abandoned, currency)} · value recovered{' '}
        {formatMoney(summary.value_recovered, currency)} · deleted {summary.carts_deleted} · blocked {summary.carts_blocked}</Text>
    </Panel>
  );
}

function Chart({ rows, label }: { rows: Array<{ name: string; value: number }>; label: string }) {
  if (rows.length === 0) return null;
  return (
    <Box marginBottom="medium" role="img" aria-label={`${label}: ${rows.map((r) => `${r.name} ${r.value}`).join(', ')}`}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 12 }} interval={0} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip />
          <Bar dataKey="value" name={label} fill={BLUE} radius={[4, 4, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}
