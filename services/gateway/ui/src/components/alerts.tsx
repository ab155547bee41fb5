// Toasts for the outcome of an action (success, or a readable error), top right, gone after a few seconds.
// BigDesign's AlertsManager is not used: its close button has no accessible name (axe: button-name, critical).
import { Alert, Box, Button } from '@bigcommerce/big-design';
import { CloseIcon } from '@bigcommerce/big-design-icons';
import { useEffect, useState } from 'react';
import styled from 'styled-components';

interface Toast {
  id: number;
  type: 'success' | 'error';
  header: string;
  text?: string;
}

const DISMISS_MS = 6000;
const listeners = new Set<(toasts: Toast[]) => void>();
let toasts: Toast[] = [];
let nextId = 1;

function publish(next: Toast[]): void {
  toasts = next;
  listeners.forEach((listener) => listener(toasts));
}

function dismiss(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

function add(toast: Omit<Toast, 'id'>): void {
  const id = nextId++;
  publish([...toasts, { ...toast, id }].slice(-4));
  window.setTimeout(() => dismiss(id), DISMISS_MS);
}

export function toastSuccess(header: string, text?: string): void {
  add({ type: 'success', header, text });
}

export function toastError(header: string, text: string): void {
  add({ type: 'error', header, text });
}

// BigDesign draws every Alert fixed at the top right, so several at once would lie on top of each other; in the
// stack each one takes its own place (Alert drops className and style, hence the child selector).
const Stacked = styled.div`
  position: relative;
  margin-bottom: 0.5rem;
  & > [role='alert'] {
    position: static;
    max-width: none;
    padding-right: 2.5rem;
  }
`;

export function Toasts() {
  const [shown, setShown] = useState<Toast[]>(toasts);
  useEffect(() => {
    listeners.add(setShown);
    return () => {
      listeners.delete(setShown);
    };
  }, []);
  return (
    <Box style={{ position: 'fixed', top: 16, right: 16, zIndex: 1100, width: 380, maxWidth: 'calc(100vw - 32px)' }}
      aria-live="polite">
      {shown.map((toast) => (
        <Stacked key={toast.id} data-testid="toast">
          <Alert type={toast.type} header={toast.header} messages={toast.text ? [{ text: toast.text }] : [{ text: '' }]} />
          <Box style={{ position: 'absolute', top: 8, right: 8 }}>
            <Button variant="subtle" iconOnly={<CloseIcon title="Dismiss" />} aria-label="Dismiss"
              onClick={() => dismiss(toast.id)} />
          </Box>
        </Stacked>
      ))}
    </Box>
  );
}
