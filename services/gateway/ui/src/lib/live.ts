// One EventSource on /api/live for the whole app; pages subscribe to the events they care about. The browser
// reconnects by itself and sends Last-Event-ID, so nothing in between is missed.
import { useEffect, useRef, useState } from 'react';
import type { LiveEvent } from '../api/types';

type Handler = (event: LiveEvent) => void;
export type LiveState = 'connecting' | 'open' | 'closed';

const handlers = new Set<Handler>();
const stateListeners = new Set<(state: LiveState) => void>();
let source: EventSource | null = null;
let state: LiveState = 'closed';

const TYPES = ['cart.upserted', 'cart.deleted', 'cart.converted', 'cart.abandoned'] as const;

function setState(next: LiveState): void {
  state = next;
  stateListeners.forEach((listener) => listener(next));
}

function ensureSource(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/live', { withCredentials: true });
  setState('connecting');
  source.onopen = () => setState('open');
  source.onerror = () => setState(source?.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      try {
        const data = JSON.parse((message as MessageEvent<string>).data) as Record<string, unknown>;
        const event = { ...data, type } as LiveEvent;
        handlers.forEach((handler) => handler(event));
      } catch {
        // A malformed event is skipped; the next reload shows the truth.
      }
    });
  }
}

export function useLiveEvents(handler: Handler): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const wrapped: Handler = (event) => latest.current(event);
    handlers.add(wrapped);
    ensureSource();
    return () => {
      handlers.delete(wrapped);
    };
  }, []);
}

export function useLiveState(): LiveState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    stateListeners.add(setCurrent);
    ensureSource();
    return () => {
      stateListeners.delete(setCurrent);
    };
  }, []);
  return current;
}
