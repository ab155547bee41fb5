import { createContext } from 'react';
import type { Me } from '../api/types';

// The signed-in staff member and their store (from GET /api/me).
export const MeContext = createContext<Me | null>(null);
