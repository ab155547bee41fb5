import { Badge } from '@bigcommerce/big-design';
import type { CartStatus } from '../api/types';

const VARIANTS: Record<CartStatus, 'success' | 'warning' | 'secondary' | 'danger' | 'primary'> = {
  active: 'primary',
  abandoned: 'warning',
  converted: 'success',
  deleted: 'secondary',
  blocked: 'danger',
};

export function StatusBadge({ status }: { status: CartStatus }) {
  return <Badge label={status} variant={VARIANTS[status] ?? 'secondary'} />;
}
