/** Style sheets imported by the bundle entry; esbuild emits them as assets/app.css. */
declare module '*.css';
