// The catalog search and the organisation's contact, as the pages use them.
import { api } from "./index";
import { unwrap } from "./problem";
import type { Activity, ActivityFormat } from "./schemas";
import type { components as Identity } from "./types/identity";

export type Organisation = Identity["schemas"]["Organisation"];

/** GET /api/identity/organisation (public): the contact shown in the footer and on error pages. */
export function getOrganisation(): Promise<Organisation> {
  return unwrap(api.identity.GET("/organisation"));
}

export interface CatalogQuery {
  q?: string;
  format?: ActivityFormat[];
  credit_type?: string[];
  from?: string;
  to?: string;
  past?: boolean;
  limit: number;
  offset: number;
}

export interface CatalogPage {
  items: Activity[];
  /** From X-Total-Count; null if the catalog does not send it. */
  total: number | null;
}

/** GET /api/catalog/activities with the search parameters; the total comes in X-Total-Count. */
export async function searchCatalog(query: CatalogQuery): Promise<CatalogPage> {
  let total: number | null = null;
  const items = await unwrap(
    api.catalog.GET("/activities", { params: { query } }).then((result) => {
      const header = result.response.headers.get("X-Total-Count");
      total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
      return result;
    }),
  );
  return { items, total };
}
