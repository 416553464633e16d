import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

// The server serves dist/ at its root: index.html at "/", chat.html at
// "/chat/{entry}", assets under "/assets/". Asset URLs are relative so the
// whole tree may also be mounted below a prefix. chat.html is served one
// level deeper (/chat/{entry}) than it lies in dist/, so its "./assets/"
// references are rewritten to "../assets/": from /chat/seoul that is
// /assets/…, and from /chat.html the browser clamps ".." at the root, so it
// is /assets/… there as well.
function chatAssetsOneUp(): Plugin {
  return {
    name: 'minwon-chat-assets-one-up',
    apply: 'build',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('chat.html')) return html;
        return html.replace(/(src|href)="\.\/assets\//g, '$1="../assets/');
      },
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [preact({ reactAliasesEnabled: false }), chatAssetsOneUp()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    sourcemap: false,
    // A single staff bundle is fine for an intranet app; chart.js is split by
    // the bundler anyway when only the board imports it.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        index: 'index.html',
        chat: 'chat.html',
      },
      output: {
        // Code both pages use gets a plain name instead of whichever module
        // the bundler happened to pick.
        manualChunks(id) {
          if (id.includes('/node_modules/preact/')) return 'preact';
          if (id.includes('/src/lib/') || id.includes('/src/styles/base.css')) return 'shared';
          return undefined;
        },
      },
    },
  },
  server: {
    // `npm run dev` proxies the API to a server on :8080 (the Go server or
    // the mock in dev/).
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
