// Shapes of the gateway's /api (../shared/design/interfaces.md). Money is a decimal string; times ISO 8601 UTC.

export type CartStatus = 'active' | 'abandoned' | 'converted' | 'deleted' | 'blocked';
export type UserType = 'guest' | 'customer';

export interface Me {
  store_hash: string;
  user: { id: number; email: string | null };
  csrf_token: string;
  session_expires_at?: string;
  store?: { name?: string | null; timezone?: string | null; currency?: string | null };
}

export interface CartSummary {
  id: string;
  status: CartStatus;
  user_type: UserType;
  customer_id?: number | null;
  email: string | null;
  name: string | null;
  item_count: number;
  grand_total: string;
  currency: string;
  country?: string | null;
  created_at?: string | null;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface ItemOption {
  name: string;
  value: string;
}

export interface CartItem {
  id: string;
  kind?: string;
  product_id: number | null;
  variant_id: number | null;
  name: string;
  sku: string | null;
  image_url: string | null;
  options?: ItemOption[];
  quantity: number;
  unit_price: string;
  list_price?: string;
  extended_price: string;
}

export interface TimelineEntry {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown> | null;
}

export interface Cart {
  id: string;
  status: CartStatus;
  created_at: string;
  updated_at: string;
  version?: number;
  order_id?: number | null;
  items: CartItem[];
  customer: {
    user_type: UserType;
    customer_id: number | null;
    email: string | null;
    name: string | null;
    session_id: string | null;
    browser: string | null;
    ip: string | null;
    country: string | null;
    billing_address?: Record<string, string | null> | null;
  };
  summary: {
    currency: string;
    item_count?: number;
    subtotal: string;
    coupon_codes: string[];
    discount: string;
    shipping: string;
    tax: string;
    grand_total: string;
  };
  timeline: TimelineEntry[];
}

export interface OptionValue {
  id: number;
  label: string;
}

export interface ProductOption {
  id: number;
  display_name: string;
  type: string;
  required: boolean;
  option_values: OptionValue[];
}

export interface Variant {
  id: number;
  sku: string | null;
  price: string;
  label: string | null;
  options?: ItemOption[];
  inventory_level?: number | null;
  purchasing_disabled?: boolean;
  image_url?: string | null;
}

export interface Product {
  id: number;
  name: string;
  sku: string | null;
  price: string;
  thumbnail_url: string | null;
  image_url?: string | null;
  variants: Variant[];
  modifiers: ProductOption[];
}

export interface Notification {
  id: string;
  cart_id?: string;
  recipient: string;
  status: string;
  error?: string | null;
  message?: string | null;
  created_at?: string | null;
  sent_at?: string | null;
  clicked_at?: string | null;
}

export interface SendPreview {
  subject: string;
  html: string;
  text: string;
  to: string | null;
}

export interface OrderResult {
  order_id: number;
  status_id?: number;
  [key: string]: unknown;
}

export interface ReportSummary {
  carts_created: number;
  carts_with_email: number;
  carts_abandoned: number;
  carts_converted: number;
  carts_recovered: number;
  carts_deleted: number;
  carts_blocked: number;
  value_abandoned: string;
  value_recovered: string;
  currency?: string;
}

export interface TopAdded {
  product_id: number;
  name: string;
  image_url: string | null;
  times_added: number;
  quantity_added: number;
}

export interface TopOrdered {
  product_id: number;
  name: string;
  image_url: string | null;
  times_ordered: number;
  quantity_ordered: number;
  revenue: string;
  conversion_rate: number | string;
}

export type RuleKind = 'email' | 'email_domain' | 'ip' | 'cidr' | 'country';

export interface Rule {
  id: number;
  kind: RuleKind;
  value: string;
  action: 'block' | 'allow';
  note: string | null;
  enabled: boolean;
  expires_at: string | null;
  hits: number;
  last_hit_at: string | null;
  created_by: string | null;
  created_at: string;
}

export interface RuleDraft {
  kind: RuleKind;
  value: string;
  action: 'block' | 'allow';
  note?: string;
  expires_at?: string | null;
}

export interface RulePreview {
  carts: Array<{ cart_id?: string; id?: string; status?: string; email?: string | null; grand_total?: string;
    currency?: string; updated_at?: string; matched?: string | null }>;
  orders: Array<{ id?: number; order_id?: number; email?: string | null; grand_total?: string; currency?: string;
    placed_at?: string; matched?: string | null }>;
}

export interface Hit {
  id?: number;
  rule_id: number;
  kind?: RuleKind;
  value?: string;
  subject: 'cart' | 'order' | string;
  cart_id?: string | null;
  order_id?: number | null;
  matched?: string | null;
  hit_at: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: { id: number | null; email: string | null };
  action: string;
  target: string | null;
  request: Record<string, unknown> | null;
  status: number;
}

// A live event as the gateway streams it (`event:` is the type; `data` the message body).
export type LiveEvent =
  | { type: 'cart.upserted'; cart: LiveCart; occurred_at?: string }
  | { type: 'cart.deleted'; cart_id: string; reason?: string; occurred_at?: string }
  | { type: 'cart.converted'; cart_id: string; order_id?: number; occurred_at?: string }
  | { type: 'cart.abandoned'; cart_id: string; grand_total?: string; currency?: string; occurred_at?: string };

// The cart snapshot inside cart.upserted (contracts' CartSnapshot).
export interface LiveCart {
  id: string;
  status: CartStatus;
  currency: string;
  items: Array<{ quantity: number }>;
  customer: { user_type: UserType; customer_id?: number | null; email: string | null; name: string | null;
    country?: string | null };
  grand_total: string;
  created_at: string;
  updated_at: string;
}
