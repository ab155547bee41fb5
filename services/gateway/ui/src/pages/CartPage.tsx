// The cart page ("Edit"): the cart in full, its actions, following the shopper's own changes live.
import { Box, Button, Flex, Grid, H2, Link, Modal, Panel, Text } from '@bigcommerce/big-design';
import { AddIcon, ArrowBackIcon, DeleteIcon, ReceiptIcon, SendIcon } from '@bigcommerce/big-design-icons';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiProblem, describe } from '../api/client';
import type { Cart, CartItem, OrderResult } from '../api/types';
import { toastError, toastSuccess } from '../components/alerts';
import { AddProductModal, type AddRequest } from '../components/cart/AddProductModal';
import { CustomerPanel, SummaryPanel, TimelinePanel } from '../components/cart/CartPanels';
import { ItemsTable } from '../components/cart/ItemsTable';
import { OrderModal } from '../components/cart/OrderModal';
import { SendModal } from '../components/cart/SendModal';
import { ErrorBox, Loading, When } from '../components/common';
import { StatusBadge } from '../components/StatusBadge';
import { useLiveEvents } from '../lib/live';
import { linkHandler, navigate } from '../lib/router';

type Dialog = 'add' | 'send' | 'order' | 'delete' | null;

export function CartPage({ cartId }: { cartId: string }) {
  const [cart, setCart] = useState<Cart | null>(null);
  const [problem, setProblem] = useState<ApiProblem | Error | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busyItem, setBusyItem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);

  const load = useCallback(async () => {
    try {
      setCart(await api.get<Cart>(`/api/carts/${encodeURIComponent(cartId)}`));
      setProblem(null);
    } catch (exc) {
      setProblem(exc as Error);
    }
  }, [cartId]);

  useEffect(() => {
    setCart(null);
    void load();
  }, [load]);

  // The shopper's own changes (and anyone else's) show up without a reload.
  useLiveEvents((event) => {
    const id = event.type === 'cart.upserted' ? event.cart.id : event.cart_id;
    if (id === cartId) void load();
  });

  const act = async (label: string, call: () => Promise<Cart | void>, itemId: string | null = null) => {
    setBusyItem(itemId);
    try {
      const updated = await call();
      if (updated && typeof updated === 'object' && 'items' in updated) setCart(updated);
      else await load();
      toastSuccess(label);
      return true;
    } catch (exc) {
      toastError(`${label} failed`, describe(exc));
      return false;
    } finally {
      setBusyItem(null);
    }
  };

  const changeQuantity = (item: CartItem, quantity: number) =>
    void act(`Quantity of ${item.name} set to ${quantity}`,
      () => api.patch<Cart>(`/api/carts/${cartId}/items/${item.id}`, { quantity }), item.id);
  const remove = (item: CartItem) =>
    void act(`${item.name} removed`, () => api.del<Cart>(`/api/carts/${cartId}/items/${item.id}`), item.id);
  const add = (request: AddRequest) =>
    act('Product added', () => api.post<Cart>(`/api/carts/${cartId}/items`, request));

  const deleteCart = async () => {
    setDeleting(true);
    try {
      await api.del(`/api/carts/${cartId}`);
      toastSuccess('Cart deleted', 'The cart was deleted in your store.');
      setDialog(null);
      navigate('/');
    } catch (exc) {
      toastError('The cart was not deleted', describe(exc));
    } finally {
      setDeleting(false);
    }
  };

  const back = <Link href="/" onClick={linkHandler('/')}><ArrowBackIcon size="medium" /> Back to Cart Monitoring</Link>;
  if (problem && !cart) {
    const gone = problem instanceof ApiProblem && problem.status === 404;
    return (
      <>
        <Box marginBottom="medium">{back}</Box>
        <ErrorBox header={gone ? 'Cart not found' : 'The cart could not be loaded'}
          text={gone ? 'This cart does not exist in your store (any more).' : describe(problem)}
          onRetry={gone ? undefined : () => void load()} />
      </>
    );
  }
  if (!cart) return <Loading label="Loading cart…" />;

  const editable = cart.status === 'active' || cart.status === 'abandoned';
  return (
    <>
      <Box marginBottom="medium">{back}</Box>
      <Flex justifyContent="space-between" alignItems="flex-start" flexWrap="wrap" flexGap="1rem" marginBottom="medium">
        <Box>
          <H2 marginBottom="xxSmall">Cart <span data-testid="cart-id" style={{ fontFamily: 'monospace', fontSize: '0.9em' }}>{cart.id}</span></H2>
          <Flex flexGap="0.75rem" alignItems="center">
            <StatusBadge status={cart.status} />
            <Text marginBottom="none" color="secondary60">Last update <When iso={cart.updated_at} /></Text>
            {cart.order_id ? <Text marginBottom="none">Order #{cart.order_id}</Text> : null}
          </Flex>
        </Box>
        <Flex flexGap="0.5rem" flexWrap="wrap">
          <Button variant="secondary" iconLeft={<SendIcon />} disabled={!editable} onClick={() => setDialog('send')}>Send to customer</Button>
          <Button variant="secondary" iconLeft={<ReceiptIcon />} disabled={!editable || cart.items.length === 0}
            onClick={() => setDialog('order')}>Create order</Button>
          {/* On white: BigDesign's red on the page's grey is below WCAG AA contrast. */}
          <Box backgroundColor="white" borderRadius="normal">
            <Button variant="secondary" actionType="destructive" iconLeft={<DeleteIcon />} disabled={!editable}
              onClick={() => setDialog('delete')}>Delete cart</Button>
          </Box>
        </Flex>
      </Flex>
      {problem && <ErrorBox header="Showing the last known state" text={describe(problem)} onRetry={() => void load()} />}
      <Grid gridColumns={{ mobile: '1fr', desktop: '2fr 1fr' }} gridGap="1.5rem">
        <Box>
          <Panel header="Items" marginBottom="medium"
            action={editable ? { text: 'Add product', variant: 'secondary', iconLeft: <AddIcon />, onClick: () => setDialog('add') } : undefined}>
            <ItemsTable items={cart.items} currency={cart.summary.currency} editable={editable} busyItem={busyItem}
              onQuantity={changeQuantity} onRemove={remove} />
          </Panel>
          <TimelinePanel cart={cart} />
        </Box>
        <Box>
          <CustomerPanel cart={cart} />
          <SummaryPanel cart={cart} />
        </Box>
      </Grid>

      <AddProductModal isOpen={dialog === 'add'} currency={cart.summary.currency} onClose={() => setDialog(null)} onAdd={add} />
      <SendModal isOpen={dialog === 'send'} cartId={cart.id} defaultEmail={cart.customer.email}
        onClose={() => setDialog(null)} onSent={() => { toastSuccess('Cart sent', 'The email is on its way.'); void load(); }} />
      <OrderModal isOpen={dialog === 'order'} cart={cart} onClose={() => setDialog(null)}
        onCreated={(order: OrderResult) => { toastSuccess(`Order #${order.order_id} created`); void load(); }} />
      <Modal isOpen={dialog === 'delete'} variant="dialog" header="Delete this cart?" onClose={() => setDialog(null)}
        closeOnEscKey actions={[
          { text: 'Cancel', variant: 'subtle', onClick: () => setDialog(null) },
          { text: 'Delete cart', actionType: 'destructive', isLoading: deleting, onClick: () => void deleteCart() },
        ]}>
        <Text>The cart is deleted in your store: the shopper loses its {cart.items.length} line{cart.items.length === 1 ? '' : 's'}. This cannot be undone.</Text>
      </Modal>
    </>
  );
}
