// The cart's lines: thumbnail, name, chosen options, quantity (editable), unit price, total and Remove.
import { Box, Button, Counter, Flex, Table, Text } from '@bigcommerce/big-design';
import { DeleteIcon } from '@bigcommerce/big-design-icons';
import { useEffect, useState } from 'react';
import type { CartItem } from '../../api/types';
import { formatMoney } from '../../lib/money';

interface Props {
  items: CartItem[];
  currency: string;
  editable: boolean;
  busyItem: string | null;
  onQuantity(item: CartItem, quantity: number): void;
  onRemove(item: CartItem): void;
}

export function ItemsTable({ items, currency, editable, busyItem, onQuantity, onRemove }: Props) {
  return (
    <Table
      itemName="Items"
      keyField="id"
      items={items}
      emptyComponent={<Box padding="medium"><Text>This cart is empty.</Text></Box>}
      columns={[
        { header: 'Image', hash: 'image', hideHeader: true, width: 72, render: (item) => <Thumb src={item.image_url} alt={item.name} /> },
        { header: 'Product', hash: 'name', render: (item) => (
          <Box>
            <Text bold marginBottom="none">{item.name}</Text>
            {item.sku && <Text color="secondary60" marginBottom="none"><small>SKU {item.sku}</small></Text>}
            {(item.options ?? []).map((o) => (
              <Text key={`${o.name}:${o.value}`} color="secondary70" marginBottom="none"><small>{o.name}: {o.value}</small></Text>
            ))}
          </Box>
        ) },
        { header: 'Quantity', hash: 'quantity', width: 230, render: (item) => editable && item.product_id ? (
          <QuantityEditor item={item} busy={busyItem === item.id} onSave={(q) => onQuantity(item, q)} />
        ) : item.quantity },
        { header: 'Unit price', hash: 'unit', align: 'right', render: (item) => formatMoney(item.unit_price, currency) },
        { header: 'Total', hash: 'total', align: 'right', render: (item) => formatMoney(item.extended_price, currency) },
        { header: 'Remove', hash: 'remove', hideHeader: true, align: 'right', render: (item) => editable ? (
          <Button variant="subtle" actionType="destructive" iconLeft={<DeleteIcon />} isLoading={busyItem === item.id}
            onClick={() => onRemove(item)} aria-label={`Remove ${item.name}`}>Remove</Button>
        ) : null },
      ]}
    />
  );
}

function QuantityEditor({ item, busy, onSave }: { item: CartItem; busy: boolean; onSave(quantity: number): void }) {
  const [draft, setDraft] = useState(item.quantity);
  useEffect(() => setDraft(item.quantity), [item.quantity]);
  const changed = draft !== item.quantity && draft >= 1;
  return (
    <Flex alignItems="center" flexGap="0.5rem">
      <Box style={{ width: 130 }}>
        <Counter value={draft} min={1} max={10000} onCountChange={setDraft} aria-label={`Quantity of ${item.name}`}
          onKeyDown={(e) => { if (e.key === 'Enter' && changed) onSave(draft); }} />
      </Box>
      {changed && <Button variant="secondary" isLoading={busy} onClick={() => onSave(draft)}
        aria-label={`Update quantity of ${item.name}`}>Update</Button>}
    </Flex>
  );
}

export function Thumb({ src, alt, size = 56 }: { src: string | null | undefined; alt: string; size?: number }) {
  const style = { width: size, height: size, objectFit: 'cover' as const, borderRadius: 4, background: '#f0f2f5',
    display: 'block' };
  return src ? <img src={src} alt={alt} style={style} loading="lazy" /> : <span style={style} aria-hidden="true" />;
}
