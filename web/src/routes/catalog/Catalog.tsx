// The catalog: a tab per format (live courses as a month-by-month calendar list), search by words, filters by
// credit type and dates, past activities on request, and paging. Every filter lives in the URL, so a search can be
// bookmarked, shared and survives a reload. The catalog service filters; the page only asks.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { Checkbox, CheckboxGroup, Label } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { searchCatalog } from "../../api/extra";
import type { Activity, ActivityFormat } from "../../api/schemas";
import { Button } from "../../components/Button";
import { DateRange, type IsoRange } from "../../components/DateRange";
import { CheckMark } from "../../components/form/fields";
import fieldStyles from "../../components/form/Field.module.css";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useBoards } from "../../hooks/useBoards";
import { formatCredits, formatDate, formatMonth, formatRange, monthKey } from "../../lib/format";
import { CREDIT_TYPES, FORMATS, useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import styles from "./catalog.module.css";

export const PAGE_SIZE = 20;

export interface CatalogFilters {
  q: string;
  format: ActivityFormat | null;
  credit: string[];
  from: string | null;
  to: string | null;
  past: boolean;
  page: number;
}

export function readFilters(params: URLSearchParams): CatalogFilters {
  const format = params.get("format");
  const page = Number(params.get("page") ?? "1");
  return {
    q: params.get("q") ?? "",
    format: (FORMATS as readonly string[]).includes(format ?? "") ? (format as ActivityFormat) : null,
    credit: params.getAll("credit"),
    from: params.get("from"),
    to: params.get("to"),
    past: params.get("past") === "1",
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

export function writeFilters(filters: CatalogFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.format) params.set("format", filters.format);
  if (filters.q.trim()) params.set("q", filters.q.trim());
  for (const credit of filters.credit) params.append("credit", credit);
  if (filters.from && filters.to) {
    params.set("from", filters.from);
    params.set("to", filters.to);
  }
  if (filters.past) params.set("past", "1");
  if (filters.page > 1) params.set("page", String(filters.page));
  return params;
}

export function Catalog() {
  const { t } = useTranslation();
  const labels = useLabels();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const catalog = useQuery({
    queryKey: ["catalog", params.toString()],
    queryFn: () =>
      searchCatalog({
        q: filters.q.trim() || undefined,
        format: filters.format ? [filters.format] : undefined,
        credit_type: filters.credit.length ? filters.credit : undefined,
        from: filters.from ?? undefined,
        to: filters.to ?? undefined,
        past: filters.past,
        limit: PAGE_SIZE,
        offset: (filters.page - 1) * PAGE_SIZE,
      }),
    placeholderData: keepPreviousData,
  });

  const go = (next: Partial<CatalogFilters>) => setParams(writeFilters({ ...filters, page: 1, ...next }));
  const title = filters.format ? labels.format(filters.format) : t("catalog.title");

  return (
    <Page title={title} heading={t("catalog.title")} lead={t("catalog.lead")}>
      <nav aria-label={t("catalog.formatsNav")} className={styles.tabs}>
        <ul>
          <li>
            <Link to={`?${writeFilters({ ...filters, format: null, page: 1 })}`} aria-current={filters.format === null ? "page" : undefined}>
              {t("catalog.allFormats")}
            </Link>
          </li>
          {FORMATS.map((format) => (
            <li key={format}>
              <Link to={`?${writeFilters({ ...filters, format, page: 1 })}`} aria-current={filters.format === format ? "page" : undefined}>
                {labels.format(format)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <SearchForm filters={filters} onSearch={go} />
      <section aria-labelledby="results-heading" aria-busy={catalog.isFetching}>
        <h2 id="results-heading" className="visually-hidden">
          {t("catalog.results")}
        </h2>
        <QueryState query={catalog} loadingLabel={t("catalog.loading")}>
          {(result) => (
            <>
              <p role="status" className={ui.muted}>
                {resultSummary(t, result.items.length, result.total, filters.page)}
              </p>
              {result.items.length === 0 ? (
                <div className={ui.card}>
                  <p>{t("catalog.none")}</p>
                  <p>
                    <Link to="/catalog">{t("catalog.clearAll")}</Link>
                  </p>
                </div>
              ) : (
                <Results items={result.items} />
              )}
              <Pager
                page={filters.page}
                hasNext={result.total === null ? result.items.length === PAGE_SIZE : filters.page * PAGE_SIZE < result.total}
                total={result.total}
                hrefFor={(page) => `?${writeFilters({ ...filters, page })}`}
              />
            </>
          )}
        </QueryState>
      </section>
    </Page>
  );
}

function resultSummary(t: (key: string, options?: Record<string, unknown>) => string, shown: number, total: number | null, page: number) {
  if (shown === 0) return t("catalog.countNone");
  const first = (page - 1) * PAGE_SIZE + 1;
  const last = first + shown - 1;
  return total === null ? t("catalog.countRange", { first, last }) : t("catalog.countOf", { first, last, total });
}

function SearchForm({ filters, onSearch }: { filters: CatalogFilters; onSearch: (next: Partial<CatalogFilters>) => void }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const boards = useBoards();
  const searchId = useId();
  const [q, setQ] = useState(filters.q);
  const [credit, setCredit] = useState<string[]>(filters.credit);
  const [range, setRange] = useState<IsoRange | null>(filters.from && filters.to ? { from: filters.from, to: filters.to } : null);
  const [past, setPast] = useState(filters.past);

  // Back/forward changes the URL: the form follows it.
  useEffect(() => {
    setQ(filters.q);
    setCredit(filters.credit);
    setRange(filters.from && filters.to ? { from: filters.from, to: filters.to } : null);
    setPast(filters.past);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters.q, filters.credit.join(","), filters.from, filters.to, filters.past]);

  const creditChoices = [
    ...CREDIT_TYPES,
    ...(boards.data ?? []).filter((b) => b.mode === "report").map((b) => `MOC_${b.code}`),
  ];

  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch({ q, credit, from: range?.from ?? null, to: range?.to ?? null, past });
  }

  return (
    <form role="search" aria-label={t("catalog.searchLabel")} onSubmit={submit} className={styles.search}>
      <div className={fieldStyles.field}>
        <label htmlFor={searchId} className={fieldStyles.label}>
          {t("catalog.words")}
        </label>
        <input
          id={searchId}
          type="search"
          className={fieldStyles.input}
          value={q}
          onChange={(event) => setQ(event.target.value)}
          placeholder={t("catalog.wordsPlaceholder")}
        />
      </div>
      <details className={styles.more} open={credit.length > 0 || range !== null || past}>
        <summary>{t("catalog.moreFilters")}</summary>
        <CheckboxGroup value={credit} onChange={setCredit} className={styles.creditGroup}>
          <Label className={fieldStyles.label}>{t("catalog.creditType")}</Label>
          <div className={styles.creditChoices}>
            {creditChoices.map((code) => (
              <Checkbox key={code} value={code} className={fieldStyles.checkbox}>
                {({ isSelected }) => (
                  <>
                    <span className={fieldStyles.box} aria-hidden="true">
                      {isSelected ? <CheckMark /> : null}
                    </span>
                    <span>{labels.creditType(code)}</span>
                  </>
                )}
              </Checkbox>
            ))}
          </div>
        </CheckboxGroup>
        <DateRange label={t("catalog.dates")} description={t("catalog.datesHint")} value={range} onChange={setRange} />
        <Checkbox isSelected={past} onChange={setPast} className={fieldStyles.checkbox}>
          {({ isSelected }) => (
            <>
              <span className={fieldStyles.box} aria-hidden="true">
                {isSelected ? <CheckMark /> : null}
              </span>
              <span>{t("catalog.past")}</span>
            </>
          )}
        </Checkbox>
      </details>
      <div className={ui.actions}>
        <Button type="submit">{t("catalog.search")}</Button>
        <Link to={filters.format ? `?format=${filters.format}` : "?"}>{t("catalog.clear")}</Link>
      </div>
    </form>
  );
}

/** Dated activities grouped by month (the live-course calendar); enduring material by availability. */
function Results({ items }: { items: Activity[] }) {
  const { t, i18n } = useTranslation();
  const groups = new Map<string, Activity[]>();
  for (const activity of items) {
    const key = activity.starts_at ? monthKey(activity.starts_at) : "online";
    groups.set(key, [...(groups.get(key) ?? []), activity]);
  }
  return (
    <>
      {[...groups.entries()].map(([key, activities]) => (
        <section key={key} aria-labelledby={`month-${key}`}>
          <h3 id={`month-${key}`} className={styles.month}>
            {key === "online" ? t("catalog.availableOnline") : formatMonth(key, i18n.language)}
          </h3>
          <ul className={ui.cardList}>
            {activities.map((activity) => (
              <ActivityCard key={activity.id} activity={activity} />
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function ActivityCard({ activity }: { activity: Activity }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  return (
    <li className={`${ui.card} ${styles.activity}`}>
      <p className={styles.format}>{labels.format(activity.format)}</p>
      <h4 className={styles.activityTitle}>
        <Link to={`/activities/${activity.id}`}>{activity.title}</Link>
      </h4>
      <dl className={styles.meta}>
        {activity.starts_at ? (
          <div>
            <dt>{t("activity.when")}</dt>
            <dd>{formatRange(activity.starts_at, activity.ends_at, i18n.language)}</dd>
          </div>
        ) : null}
        {activity.available_until ? (
          <div>
            <dt>{t("activity.availableUntil")}</dt>
            <dd>{formatDate(activity.available_until, i18n.language)}</dd>
          </div>
        ) : null}
        {activity.location ? (
          <div>
            <dt>{t("activity.where")}</dt>
            <dd>{activity.location}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t("activity.credits")}</dt>
          <dd>
            {activity.credit_designations
              .map((d) => `${formatCredits(d.max_credits, i18n.language)} ${labels.creditType(d.credit_type)}`)
              .join(" · ")}
          </dd>
        </div>
        {activity.seats_left !== null && activity.seats_left !== undefined ? (
          <div>
            <dt>{t("activity.seats")}</dt>
            <dd>{activity.seats_left === 0 ? t("activity.full") : t("activity.seatsLeft", { count: activity.seats_left })}</dd>
          </div>
        ) : null}
      </dl>
    </li>
  );
}

function Pager({ page, hasNext, total, hrefFor }: { page: number; hasNext: boolean; total: number | null; hrefFor: (page: number) => string }) {
  const { t } = useTranslation();
  if (page === 1 && !hasNext) return null;
  const pages = total === null ? null : Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <nav aria-label={t("catalog.pages")} className={styles.pager}>
      {page > 1 ? (
        <Link to={hrefFor(page - 1)} rel="prev">
          ‹ {t("catalog.previous")}
        </Link>
      ) : (
        <span />
      )}
      <span>{pages === null ? t("catalog.page", { page }) : t("catalog.pageOf", { page, pages })}</span>
      {hasNext ? (
        <Link to={hrefFor(page + 1)} rel="next">
          {t("catalog.next")} ›
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
