// Add product: search the catalog, pick a variant and modifiers, choose a quantity, add it for the shopper.
import { Box, Button, Counter, Flex, Input, Modal, Select, Text } from '@bigcommerce/big-design';
import { useEffect, useState } from 'react';
import { api, describe } from '../../api/client';
import type { Product, ProductOption } from '../../api/types';
import { formatMoney } from '../../lib/money';
import { ErrorBox, Loading } from '../common';
import { Thumb } from './ItemsTable';

export interface AddRequest {
  product_id: number;
  variant_id?: number;
  option_selections?: Array<{ option_id: number; option_value: number | string }>;
  quantity: number;
}

interface Props {
  isOpen: boolean;
  currency: string;
  onClose(): void;
  onAdd(request: AddRequest): Promise<boolean>;
}

export function AddProductModal({ isOpen, currency, onClose, onAdd }: Props) {
  const [q, setQ] = useState('');
  const [products, setProducts] = useState<Product[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Product | null>(null);
  const [variantId, setVariantId] = useState<number | undefined>();
  const [selections, setSelections] = useState<Record<number, number | string>>({});
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!isOpen) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      setProblem(null);
      api.get<{ items: Product[] }>('/api/products', { q: q.trim(), limit: 20 }, controller.signal)
        .then((r) => setProducts(r.items), (exc) => { if (exc?.name !== 'AbortError') setProblem(describe(exc)); });
    }, 250);
    return () => { controller.abort(); window.clearTimeout(timer); };
  }, [q, isOpen]);

  useEffect(() => {
    if (!isOpen) { setChosen(null); setQuantity(1); setSelections({}); }
  }, [isOpen]);

  const choose = (product: Product) => {
    setChosen(product);
    setVariantId(product.variants.length === 1 ? product.variants[0].id : undefined);
    setSelections({});
    setQuantity(1);
  };

  const missing = chosen ? missingRequired(chosen, variantId, selections) : [];
  const add = async () => {
    if (!chosen || missing.length) return;
    setBusy(true);
    const request: AddRequest = { product_id: chosen.id, quantity };
    if (variantId !== undefined && chosen.variants.length > 1) request.variant_id = variantId;
    const chosenOptions = Object.entries(selections).filter(([, v]) => v !== '' && v !== undefined);
    if (chosenOptions.length) {
      request.option_selections = chosenOptions.map(([id, value]) => ({ option_id: Number(id), option_value: value }));
    }
    const ok = await onAdd(request);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Modal isOpen={isOpen} onClose={onClose} header={chosen ? `Add ${chosen.name}` : 'Add product'} closeOnEscKey
      actions={chosen ? [
        { text: 'Back to search', variant: 'subtle', onClick: () => setChosen(null) },
        { text: 'Add to cart', onClick: () => void add(), isLoading: busy, disabled: missing.length > 0 },
      ] : [{ text: 'Cancel', variant: 'subtle', onClick: onClose }]}>
      {chosen ? (
        <Box>
          <Flex flexGap="1rem" alignItems="center" marginBottom="medium">
            <Thumb src={chosen.thumbnail_url ?? chosen.image_url} alt={chosen.name} size={72} />
            <Box>
              <Text bold marginBottom="none">{chosen.name}</Text>
              <Text color="secondary60" marginBottom="none">{formatMoney(chosen.price, currency)}</Text>
            </Box>
          </Flex>
          {chosen.variants.length > 1 && (
            <Box marginBottom="medium">
              <Select label="Variant" required placeholder="Choose a variant" value={variantId}
                onOptionChange={(value) => setVariantId(value)}
                options={chosen.variants.map((v) => ({
                  value: v.id, content: `${v.label ?? v.sku ?? `Variant ${v.id}`} — ${formatMoney(v.price, currency)}`,
                  disabled: v.purchasing_disabled || v.inventory_level === 0,
                }))} />
            </Box>
          )}
          {(chosen.modifiers ?? []).map((modifier) => (
            <Box marginBottom="medium" key={modifier.id}>
              <ModifierField modifier={modifier} value={selections[modifier.id]}
                onChange={(value) => setSelections((s) => ({ ...s, [modifier.id]: value }))} />
            </Box>
          ))}
          <Box style={{ maxWidth: 160 }}>
            <Counter label="Quantity" value={quantity} min={1} max={10000} onCountChange={setQuantity} />
          </Box>
          {missing.length > 0 && <Text color="danger" marginTop="small">Choose: {missing.join(', ')}</Text>}
        </Box>
      ) : (
        <Box>
          <Input label="Search products" placeholder="Name or SKU" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
          <Box marginTop="medium">
            {problem && <ErrorBox header="Products could not be loaded" text={problem} />}
            {!products && !problem && <Loading label="Searching…" />}
            {products && products.length === 0 && <Text>No product matches “{q}”.</Text>}
            <ul style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Products">
              {products?.map((product) => (
                <li key={product.id}>
                  <Button variant="subtle" onClick={() => choose(product)} style={{ width: '100%', height: 'auto', padding: 8, justifyContent: 'flex-start' }}
                    aria-label={`Choose ${product.name}`}>
                    <Flex flexGap="1rem" alignItems="center">
                      <Thumb src={product.thumbnail_url ?? product.image_url} alt="" size={48} />
                      <span style={{ textAlign: 'left' }}>
                        <strong>{product.name}</strong><br />
                        <small>{formatMoney(product.price, currency)}{product.variants.length > 1 ? ` · ${product.variants.length} variants` : ''}
                          {product.modifiers?.length ? ` · ${product.modifiers.length} option${product.modifiers.length === 1 ? '' : 's'}` : ''}</small>
                      </span>
                    </Flex>
                  </Button>
                </li>
              ))}
            </ul>
          </Box>
        </Box>
      )}
    </Modal>
  );
}

function ModifierField({ modifier, value, onChange }: { modifier: ProductOption; value: number | string | undefined;
  onChange(value: number | string): void }) {
  if (modifier.option_values.length > 0) {
    return (
      <Select label={modifier.display_name} required={modifier.required} placeholder="Choose…"
        value={typeof value === 'number' ? value : undefined} onOptionChange={(v) => v !== undefined && onChange(v)}
        options={modifier.option_values.map((o) => ({ value: o.id, content: o.label }))} />
    );
  }
  return (
    <Input label={modifier.display_name} required={modifier.required} value={value === undefined ? '' : String(value)}
      onChange={(e) => onChange(e.target.value)} />
  );
}

function missingRequired(product: Product, variantId: number | undefined, selections: Record<number, number | string>): string[] {
  const missing: string[] = [];
  if (product.variants.length > 1 && variantId === undefined) missing.push('a variant');
  for (const m of product.modifiers ?? []) {
    const v = selections[m.id];
    if (m.required && (v === undefined || v === '')) missing.push(m.display_name);
  }
  return missing;
}
