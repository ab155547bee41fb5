// The cart page's read-only panels: customer information, payment summary, timeline.
import { Box, Flex, Panel, Text } from '@bigcommerce/big-design';
import type { Cart } from '../../api/types';
import { countryName } from '../../lib/countries';
import { formatMoney } from '../../lib/money';
import { describeEntry } from '../../lib/timeline';
import { When } from '../common';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Flex justifyContent="space-between" flexGap="1rem" paddingVertical="xxSmall">
      <Text as="span" color="secondary60" marginBottom="none">{label}</Text>
      <Text as="span" marginBottom="none" style={{ textAlign: 'right', overflowWrap: 'anywhere' }}>{children}</Text>
    </Flex>
  );
}

export function CustomerPanel({ cart }: { cart: Cart }) {
  const c = cart.customer;
  return (
    <Panel header="Customer information" marginBottom="medium">
      <Row label="Name">{c.name || '—'}</Row>
      <Row label="Email">{c.email || '—'}</Row>
      <Row label="User type">{c.user_type === 'customer' ? `Customer${c.customer_id ? ` #${c.customer_id}` : ''}` : 'Guest'}</Row>
      <Row label="Session ID">{c.session_id || '—'}</Row>
      <Row label="Browser">{c.browser || '—'}</Row>
      <Row label="IP address">{c.ip || '—'}</Row>
      <Row label="Country">{countryName(c.country)}</Row>
    </Panel>
  );
}

export function SummaryPanel({ cart }: { cart: Cart }) {
  const s = cart.summary;
  const money = (v: string) => formatMoney(v, s.currency);
  return (
    <Panel header="Payment summary" marginBottom="medium">
      <Row label="Subtotal">{money(s.subtotal)}</Row>
      <Row label="Coupon code">{s.coupon_codes.length ? s.coupon_codes.join(', ') : '—'}</Row>
      {Number(s.discount) !== 0 && <Row label="Discount">−{money(s.discount)}</Row>}
      <Row label="Shipping fee">{money(s.shipping)}</Row>
      <Row label="Tax">{money(s.tax)}</Row>
      <Box borderTop="box" marginTop="xSmall" paddingTop="xSmall">
        <Row label="Grand total"><strong data-testid="grand-total">{money(s.grand_total)}</strong></Row>
      </Box>
    </Panel>
  );
}

export function TimelinePanel({ cart }: { cart: Cart }) {
  const entries = [...cart.timeline].sort((a, b) => (a.at < b.at ? 1 : -1));
  return (
    <Panel header="Timeline" marginBottom="medium">
      {entries.length === 0 ? <Text>Nothing has happened to this cart yet.</Text> : (
        <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Timeline">
          {entries.map((entry, index) => (
            <li key={`${entry.at}-${index}`} style={{ padding: '6px 0', borderBottom: '1px solid #ebedf0' }}>
              <Text marginBottom="none">{describeEntry(entry, cart.summary.currency)}</Text>
              <Text color="secondary60" marginBottom="none"><small><When iso={entry.at} /></small></Text>
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
