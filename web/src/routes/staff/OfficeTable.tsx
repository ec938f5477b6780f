import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { QueryState } from "../../components/QueryState";
import styles from "./office.module.css";
import { TableBox } from "./TableBox";

interface Props<T> {
  query: UseQueryResult<T[]>;
  /** Names the table and its scrolling box. */
  label: string;
  /** Said instead of an empty table. */
  empty: string;
  headers: string[];
  /** One <tr> for an item (its first cell a row header). */
  row: (item: T) => ReactNode;
  /** Shown above the table when there are items, e.g. a count. */
  above?: (items: T[]) => ReactNode;
  /** Leaves items of the query's out of the table (and out of "empty"). */
  keep?: (item: T) => boolean;
}

/** A list of the office's as a table: loading and errors as everywhere, a sentence when empty, and a box that scrolls
 * sideways on a narrow screen. */
export function OfficeTable<T>({ query, label, empty, headers, row, above, keep }: Props<T>) {
  return (
    <QueryState query={query}>
      {(all) => {
        const items = keep ? all.filter(keep) : all;
        return items.length === 0 ? (
          <p>{empty}</p>
        ) : (
          <>
            {above?.(items)}
            <TableBox label={label}>
              <table className={styles.table} aria-label={label}>
                <thead>
                  <tr>
                    {headers.map((header) => (
                      <th key={header} scope="col">
                        {header}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>{items.map(row)}</tbody>
              </table>
            </TableBox>
          </>
        );
      }}
    </QueryState>
  );
}
