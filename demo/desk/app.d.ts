/** demo/desk/app.js renders the desk on import; it exports nothing. */
export {};
