// Create order: the billing address (prefilled from what the cart knows), a confirmation, then the order number.
import { Box, Flex, FlexItem, Input, Modal, Text } from '@bigcommerce/big-design';
import { useEffect, useRef, useState } from 'react';
import { api, describe, newIdempotencyKey } from '../../api/client';
import type { Cart, OrderResult } from '../../api/types';
import { formatMoney } from '../../lib/money';
import { ErrorBox } from '../common';

type Address = Record<(typeof FIELDS)[number][0], string>;

const FIELDS = [
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['address1', 'Address'],
  ['city', 'City'],
  ['state_or_province', 'State or province'],
  ['postal_code', 'Postal code'],
  ['country_code', 'Country code (2 letters)'],
] as const;

function prefill(cart: Cart): Address {
  const known = cart.customer.billing_address ?? {};
  const [first, ...rest] = (cart.customer.name ?? '').split(' ');
  const address = Object.fromEntries(FIELDS.map(([key]) => [key, String(known[key] ?? '')])) as Address;
  address.first_name ||= first ?? '';
  address.last_name ||= rest.join(' ');
  address.email ||= cart.customer.email ?? '';
  address.country_code ||= cart.customer.country ?? '';
  return address;
}

interface Props {
  isOpen: boolean;
  cart: Cart;
  onClose(): void;
  onCreated(order: OrderResult): void;
}

export function OrderModal({ isOpen, cart, onClose, onCreated }: Props) {
  const [address, setAddress] = useState<Address>(() => prefill(cart));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [order, setOrder] = useState<OrderResult | null>(null);
  // One key per confirmed attempt: a retry after a network error reuses it, so the order exists once.
  const key = useRef<string | null>(null);

  useEffect(() => {
    if (isOpen) { setAddress(prefill(cart)); setProblem(null); setOrder(null); key.current = null; }
  }, [isOpen]);

  const create = async () => {
    const country = address.country_code.trim();
    if (country && !/^[A-Za-z]{2}$/.test(country)) {
      setProblem('Country code must be two letters, such as US or GB.');
      return;
    }
    setBusy(true);
    setProblem(null);
    key.current ??= newIdempotencyKey();
    try {
      const billing = Object.fromEntries(Object.entries(address).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
      const body = Object.keys(billing).length ? { billing_address: billing } : {};
      const result = await api.post<OrderResult>(`/api/carts/${cart.id}/order`, body, key.current);
      setOrder(result);
      onCreated(result);
    } catch (exc) {
      setProblem(describe(exc));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal isOpen={isOpen} onClose={onClose} header={order ? 'Order created' : 'Create order'} closeOnEscKey
      actions={order ? [{ text: 'Done', onClick: onClose }] : [
        { text: 'Cancel', variant: 'subtle', onClick: onClose },
        { text: `Create order for ${formatMoney(cart.summary.grand_total, cart.summary.currency)}`,
          onClick: () => void create(), isLoading: busy },
      ]}>
      {order ? (
        <Box role="status">
          <Text>Order <strong data-testid="order-number">#{order.order_id}</strong> was created in your store
            from this cart.</Text>
        </Box>
      ) : (
        <Box>
          <Text>The order is placed in your store with these billing details; the shopper's cart is then removed.</Text>
          {problem && <ErrorBox header="The order was not created" text={problem} />}
          <Flex flexWrap="wrap" flexGap="1rem">
            {FIELDS.map(([field, label]) => (
              <FlexItem key={field} flexBasis="45%" flexGrow={1}>
                <Input label={label} value={address[field]}
                  onChange={(e) => setAddress((a) => ({ ...a, [field]: e.target.value }))} />
              </FlexItem>
            ))}
          </Flex>
        </Box>
      )}
    </Modal>
  );
}
