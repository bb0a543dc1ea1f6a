// The app's top-level sections. The server falls back to index.html only under these (and at /),
// so a mistyped API or asset path keeps its JSON 404; the build writes them to app-paths.json.
export const APP_SECTIONS = ['signin', 'signup', 'profile', 'campaigns', 'approvals', 'offers', 'users', 'audit', 'suppressions'] as const;
