/** Values baked in by vite.config.ts `define` (absent under Vitest: read them guarded). */
declare const __BATON_SHADOW__: 'open' | 'closed';
declare const __BATON_DEMO_API__: string;
declare const __BATON_DEMO_TOKEN__: string;
declare const __BATON_BROWSER__: 'chrome' | 'firefox';
