// The app shell: who is signed in, the navigation (Cart Monitoring, Cart Statistics, Blacklists, Activity)
// and the page of the current path.
import { Box, Flex, H1, Link, Message, Tabs, Text } from '@bigcommerce/big-design';
import { useEffect, useState } from 'react';
import { ApiProblem, describe, loadMe } from './api/client';
import type { Me } from './api/types';
import { Loading } from './components/common';
import { MeContext } from './components/me';
import { useLiveState } from './lib/live';
import { linkHandler, navigate, routeOf, usePath } from './lib/router';
import { Activity } from './pages/Activity';
import { Blacklists } from './pages/Blacklists';
import { CartPage } from './pages/CartPage';
import { Monitoring } from './pages/Monitoring';
import { Statistics } from './pages/Statistics';

const TABS = [
  { id: 'monitoring', title: 'Cart Monitoring', path: '/' },
  { id: 'statistics', title: 'Cart Statistics', path: '/statistics' },
  { id: 'blacklists', title: 'Blacklists', path: '/blacklists' },
  { id: 'activity', title: 'Activity', path: '/activity' },
];

export function App() {
  const path = usePath();
  const route = routeOf(path);
  const [me, setMe] = useState<Me | null>(null);
  const [problem, setProblem] = useState<unknown>(null);

  useEffect(() => {
    loadMe().then(setMe, setProblem);
  }, []);

  if (problem) {
    const signedOut = problem instanceof ApiProblem && problem.status === 401;
    return (
      <Shell>
        <Message
          type={signedOut ? 'info' : 'error'}
          header={signedOut ? 'Open Cartio from BigCommerce' : 'Cartio could not start'}
          messages={[{ text: signedOut ? 'Cartio runs inside your BigCommerce control panel. Sign in to your ' +
            'store and open Apps > My Apps > Cartio.' : describe(problem) }]}
        />
      </Shell>
    );
  }
  if (!me) return <Shell><Loading label="Opening Cartio…" /></Shell>;

  const active = route.page === 'cart' ? 'monitoring' : route.page;
  return (
    <MeContext.Provider value={me}>
      <Shell me={me}>
        <nav aria-label="Cartio">
          <Tabs
            activeTab={active}
            items={TABS.map(({ id, title }) => ({ id, title, ariaControls: 'cartio-page' }))}
            onTabClick={(id) => navigate(TABS.find((tab) => tab.id === id)?.path ?? '/')}
          />
        </nav>
        <Box marginTop="large" as="main">
          <div id="cartio-page" role="tabpanel" aria-labelledby={active}>
          {route.page === 'monitoring' && <Monitoring />}
          {route.page === 'cart' && <CartPage cartId={route.cartId} />}
          {route.page === 'statistics' && <Statistics />}
          {route.page === 'blacklists' && <Blacklists />}
          {route.page === 'activity' && <Activity />}
          {route.page === 'not_found' && (
            <Message type="warning" header="Page not found" messages={[{ text: 'There is no such page in Cartio.',
              link: { text: 'Go to Cart Monitoring', href: '/' } }]} />
          )}
          </div>
        </Box>
      </Shell>
    </MeContext.Provider>
  );
}

function Shell({ me, children }: { me?: Me; children: React.ReactNode }) {
  return (
    <Box backgroundColor="secondary10" style={{ minHeight: '100vh' }}>
      <Box padding="large" style={{ maxWidth: 1280, margin: '0 auto' }}>
        <Flex justifyContent="space-between" alignItems="center" marginBottom="medium" flexWrap="wrap">
          <H1 marginBottom="none">
            <Link href="/" onClick={linkHandler('/')}>Cartio</Link>
          </H1>
          {me && <Account me={me} />}
        </Flex>
        {children}
      </Box>
    </Box>
  );
}

function Account({ me }: { me: Me }) {
  const live = useLiveState();
  const label = live === 'open' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline';
  return (
    <Flex alignItems="center" flexGap="1rem">
      <Text marginBottom="none" color={live === 'open' ? 'success70' : 'secondary70'} aria-live="polite">
        ● {label}
      </Text>
      <Text marginBottom="none" color="secondary60">{me.user.email ?? `user ${me.user.id}`} · store {me.store_hash}</Text>
    </Flex>
  );
}
