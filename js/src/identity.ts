// Who is looking at a widget: the signed-in Jupyter user. The unique user name
// (`identity.username` of the server's /api/me) is the key every widget acts as — edits,
// undo/redo, solver runs, locks, presence — so two people who share a display name (anonymous
// users draw theirs from a short list) never share an undo history. The display name is what
// people see; the kernel keeps one per key and the widgets share them in their `names` trait.

export interface Identity {
  /** The server's unique user name ("" outside Jupyter or when the request failed). */
  key: string;
  /** The display name shown to people (the key when the server gives none). */
  name: string;
}

export const NOBODY: Identity = { key: "", name: "" };

const MAX = 64;

function text(value: unknown): string {
  return typeof value === "string" ? value.trim().slice(0, MAX) : "";
}

/** The identity in a /api/me answer (`{identity: {username, name, display_name}}`). */
export function identityOf(me: unknown): Identity {
  const id = (me as { identity?: Record<string, unknown> } | null)?.identity;
  if (!id || typeof id !== "object") return NOBODY;
  const key = text(id.username);
  if (!key) return NOBODY;
  return { key, name: text(id.display_name) || text(id.name) || key };
}

/**
 * The signed-in Jupyter user of the page, from the server's /api/me (same origin, the page's
 * own cookies); NOBODY when not inside Jupyter or when the request fails.
 */
export async function whoAmI(doc: Document): Promise<Identity> {
  try {
    const config = doc.getElementById("jupyter-config-data");
    if (!config?.textContent || typeof fetch !== "function") return NOBODY;
    const base = String((JSON.parse(config.textContent) as { baseUrl?: unknown }).baseUrl ?? "/");
    const response = await fetch(`${base.replace(/\/?$/, "/")}api/me`, {
      credentials: "same-origin",
    });
    if (!response.ok) return NOBODY;
    return identityOf(await response.json());
  } catch {
    return NOBODY;
  }
}

/** The display name of user `key` from a widget's `names` trait ({key: name}); the key itself
 * when the trait has none. */
export function nameOf(names: unknown, key: string): string {
  if (names && typeof names === "object" && Object.hasOwn(names, key)) {
    const name = (names as Record<string, unknown>)[key];
    if (typeof name === "string" && name) return name;
  }
  return key;
}

/** The user fields of a request: `{user: key, name}` once the identity is known, else none. */
export function userFields(me: Identity): { user?: string; name?: string } {
  return me.key ? { user: me.key, name: me.name } : {};
}
