// A tiny router on the History API: the app lives in the control panel's iframe and never navigates the top
// window; every page is a path the gateway answers with index.html, so reload and deep links work.
import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path === currentPath()) return;
  window.history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

export function currentPath(): string {
  return window.location.pathname + window.location.search;
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

export type Route =
  | { page: 'monitoring' }
  | { page: 'cart'; cartId: string }
  | { page: 'statistics' }
  | { page: 'blacklists' }
  | { page: 'activity' }
  | { page: 'not_found' };

export function routeOf(path: string): Route {
  const pathname = path.split('?')[0].replace(/\/+$/, '') || '/';
  if (pathname === '/') return { page: 'monitoring' };
  const cart = /^\/carts\/([^/]+)$/.exec(pathname);
  if (cart) return { page: 'cart', cartId: decodeURIComponent(cart[1]) };
  if (pathname === '/statistics') return { page: 'statistics' };
  if (pathname === '/blacklists') return { page: 'blacklists' };
  if (pathname === '/activity') return { page: 'activity' };
  return { page: 'not_found' };
}

// Plain <a href> that stays inside the app (a modified click still opens a new tab as usual).
export function linkHandler(path: string) {
  return (event: React.MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path);
  };
}
