// The cart's timeline in words: "Shopper added 2 × Blue Mug", "owner@shop.com changed quantity of Red Mug to 3".
import type { TimelineEntry } from '../api/types';
import { countryName } from './countries';
import { formatMoney } from './money';

export function actorName(actor: string): string {
  if (actor === 'shopper') return 'Shopper';
  if (actor === 'system') return 'Cartio';
  if (actor === 'bigcommerce') return 'BigCommerce';
  return actor;
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

const REASONS: Record<string, string> = {
  shopper: 'by the shopper',
  merchant: 'by staff',
  expired: 'because it expired',
  blocked: 'by a blacklist rule',
};

export function describeEntry(entry: TimelineEntry, currency?: string): string {
  const who = actorName(entry.actor);
  const d = entry.detail ?? {};
  const name = text(d.name) || 'an item';
  switch (entry.action) {
    case 'created': {
      const count = Number(d.item_count ?? 0);
      const total = d.grand_total !== undefined ? ` worth ${formatMoney(text(d.grand_total), text(d.currency) ||
        currency)}` : '';
      return `${who} created the cart with ${count} item${count === 1 ? '' : 's'}${total}`;
    }
    case 'item_added':
      return `${who} added ${text(d.quantity) || 1} × ${name}`;
    case 'item_removed':
      return `${who} removed ${name}`;
    case 'quantity_changed':
      return `${who} changed quantity of ${name} to ${text(d.to)}`;
    case 'coupon_applied':
      return `${who} applied coupon ${text(d.code)}`;
    case 'coupon_removed':
      return `${who} removed coupon ${text(d.code)}`;
    case 'email_entered':
      return `${who} entered the email ${text(d.email)}`;
    case 'email_changed':
      return `${who} changed the email to ${text(d.email)}`;
    case 'customer_signed_in':
      return `${who} signed in as customer #${text(d.customer_id)}`;
    case 'session_seen':
    case 'session_changed': {
      const where = d.country ? ` from ${countryName(text(d.country))}` : '';
      return `${who} was seen${where}${d.browser ? ` using ${text(d.browser)}` : ''}`;
    }
    case 'sent_to_shopper':
      return `${who} sent the cart to ${text(d.recipient)}`;
    case 'order_created':
      return `${who} created order #${text(d.order_id)}`;
    case 'order_declined':
      return `${who} declined order #${text(d.order_id)}${d.value ? ` (matched ${text(d.value)})` : ''}`;
    case 'recreated_for_sending':
      return `${who} made a fresh copy of the cart to send it`;
    case 'recreated_from':
      return `${who} made this cart from an earlier one`;
    case 'active':
      return `${who} reactivated the cart`;
    case 'abandoned':
      return `${who} marked the cart abandoned after inactivity`;
    case 'converted':
      return `The shopper checked out${d.order_id ? ` (order #${text(d.order_id)})` : ''}`;
    case 'deleted':
      return `The cart was deleted${REASONS[text(d.reason)] ? ` ${REASONS[text(d.reason)]}` : ''}` +
        (entry.actor !== 'system' && entry.actor !== 'shopper' ? ` (${who})` : '');
    case 'blocked': {
      const matched = d.matched || d.value;
      const note = d.note ? `: ${text(d.note)}` : '';
      return `${who} blocked the cart${matched ? ` (matched ${text(matched)})` : ''}${note}`;
    }
    default:
      return `${who}: ${entry.action.replace(/_/g, ' ')}`;
  }
}
