import { createAlertsManager } from '@bigcommerce/big-design';

// Toasts for the outcome of an action (success, or a readable error).
export const alerts = createAlertsManager();

export function toastSuccess(header: string, text?: string): void {
  alerts.add({ header, messages: text ? [{ text }] : [], type: 'success', autoDismiss: true });
}

export function toastError(header: string, text: string): void {
  alerts.add({ header, messages: [{ text }], type: 'error', autoDismiss: true });
}
