// Counters on top of Cart Monitoring: active carts, the value in them, carts abandoned today; and, as the seed
// has it, "Show data" under Cart Statistics.
import { Box, Button, Flex, H2, Text } from '@bigcommerce/big-design';
import { InsertChartIcon } from '@bigcommerce/big-design-icons';
import { useCallback, useContext, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { CartSummary, Page } from '../api/types';
import { startOfToday } from '../lib/dates';
import { useLiveEvents } from '../lib/live';
import { currencyDigits, formatMoney, sumMoney } from '../lib/money';
import { navigate } from '../lib/router';
import { MeContext } from './me';

const SAMPLE = 200; // more active carts than this show as "200+"

interface Counts {
  active: string;
  value: string;
  abandonedToday: string;
}

async function count(status: string, extra: Record<string, string> = {}): Promise<Page<CartSummary>> {
  return api.get<Page<CartSummary>>('/api/carts', { status, limit: SAMPLE, ...extra });
}

export function CartCounters() {
  const me = useContext(MeContext);
  const [counts, setCounts] = useState<Counts | null>(null);
  const timer = useRef<number | null>(null);

  const refresh = useCallback(async () => {
    try {
      const since = startOfToday(me?.store?.timezone ?? undefined).toISOString();
      const [active, abandoned] = await Promise.all([count('active'), count('abandoned', { updated_since: since })]);
      const more = (page: Page<CartSummary>) => (page.next_cursor ? '+' : '');
      const currency = active.items[0]?.currency ?? me?.store?.currency ?? 'USD';
      const value = sumMoney(active.items.filter((c) => c.currency === currency).map((c) => c.grand_total),
        currencyDigits(currency));
      setCounts({
        active: `${active.items.length}${more(active)}`,
        value: `${formatMoney(value, currency)}${more(active)}`,
        abandonedToday: `${abandoned.items.length}${more(abandoned)}`,
      });
    } catch {
      setCounts(null);
    }
  }, [me]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Live changes refresh the counters, at most every few seconds.
  useLiveEvents(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      void refresh();
    }, 2000);
  });

  return (
    <Flex flexGap="1rem" marginBottom="medium" flexWrap="wrap" role="group" aria-label="Cart counters">
      <Counter label="Active carts" value={counts?.active} />
      <Counter label="Value in active carts" value={counts?.value} />
      <Counter label="Abandoned today" value={counts?.abandonedToday} />
      <Box backgroundColor="white" border="box" borderRadius="normal" padding="medium" style={{ minWidth: 200, flex: 1 }}>
        <Text color="secondary60" marginBottom="xxSmall">Cart Statistics</Text>
        <Button variant="secondary" iconLeft={<InsertChartIcon />} onClick={() => navigate('/statistics')}>Show data</Button>
      </Box>
    </Flex>
  );
}

function Counter({ label, value }: { label: string; value: string | undefined }) {
  return (
    <Box backgroundColor="white" border="box" borderRadius="normal" padding="medium" style={{ minWidth: 200, flex: 1 }}>
      <Text color="secondary60" marginBottom="xxSmall">{label}</Text>
      <H2 marginBottom="none" data-testid={`counter-${label}`}>{value ?? '…'}</H2>
    </Box>
  );
}
