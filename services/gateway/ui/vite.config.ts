import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Built into dist/ and served by the gateway (cartio_gateway.ui): index.html for the app's routes, hashed assets
// under /assets/. Everything (fonts, icons) is bundled: the app asks no host but the gateway.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/bigcommerce': 'http://127.0.0.1:8000' } },
  test: { environment: 'node', include: ['src/**/*.test.{ts,tsx}'] },
});
