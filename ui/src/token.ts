/**
 * The action token: `cluster-cron ui` prints the page's URL with `#token=...` (a fragment, so it
 * never reaches a server log or a Referer). The page keeps it for this tab only and takes it out
 * of the address bar, so a copied URL or a screenshot does not carry it.
 */
const STORAGE_KEY = 'cluster-cron.token';

/** The token from the URL fragment (remembered for the tab), else the one remembered, else undefined. */
export function takeToken(): string | undefined {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? undefined;
  if (fromHash) {
    try {
      sessionStorage.setItem(STORAGE_KEY, fromHash);
    } catch {
      // Storage can be off (private mode); the token still works until the tab is reloaded.
    }
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
