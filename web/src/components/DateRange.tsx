// A date range with typed segments and a calendar (react-aria-components): keyboard and screen-reader ready.
import { parseDate, type CalendarDate } from "@internationalized/date";
import type { ReactNode } from "react";
import {
  Button,
  CalendarCell,
  CalendarGrid,
  DateInput,
  DateRangePicker,
  DateSegment,
  Dialog,
  Group,
  Heading,
  Label,
  Popover,
  RangeCalendar,
  Text,
} from "react-aria-components";
import { useTranslation } from "react-i18next";
import styles from "./DateRange.module.css";
import { CalendarIcon } from "./CalendarIcon";

export interface IsoRange {
  from: string;
  to: string;
}

function toRange(value: IsoRange | null): { start: CalendarDate; end: CalendarDate } | null {
  if (!value) return null;
  try {
    return { start: parseDate(value.from), end: parseDate(value.to) };
  } catch {
    return null;
  }
}

interface Props {
  label: ReactNode;
  description?: ReactNode;
  value: IsoRange | null;
  onChange: (value: IsoRange | null) => void;
}

export function DateRange({ label, description, value, onChange }: Props) {
  const { t } = useTranslation();
  return (
    <div className={styles.wrap}>
      <DateRangePicker
        className={styles.picker}
        value={toRange(value)}
        onChange={(range) => onChange(range ? { from: range.start.toString(), to: range.end.toString() } : null)}
        granularity="day"
      >
        <Label className={styles.label}>{label}</Label>
        <Group className={styles.group}>
          <DateInput slot="start" className={styles.input}>
            {(segment) => <DateSegment segment={segment} className={styles.segment} />}
          </DateInput>
          <span aria-hidden="true" className={styles.dash}>
            –
          </span>
          <DateInput slot="end" className={styles.input}>
            {(segment) => <DateSegment segment={segment} className={styles.segment} />}
          </DateInput>
          <Button className={styles.open} aria-label={t("dateRange.open")}>
            <CalendarIcon />
          </Button>
        </Group>
        {description ? (
          <Text slot="description" className={styles.description}>
            {description}
          </Text>
        ) : null}
        <Popover className={styles.popover}>
          <Dialog className={styles.dialog}>
            <RangeCalendar className={styles.calendar}>
              <header className={styles.header}>
                <Button slot="previous" className={styles.nav} aria-label={t("dateRange.previous")}>
                  ‹
                </Button>
                <Heading className={styles.heading} />
                <Button slot="next" className={styles.nav} aria-label={t("dateRange.next")}>
                  ›
                </Button>
              </header>
              <CalendarGrid className={styles.grid}>{(date) => <CalendarCell date={date} className={styles.cell} />}</CalendarGrid>
            </RangeCalendar>
          </Dialog>
        </Popover>
      </DateRangePicker>
      {value ? (
        <button type="button" className={styles.clear} onClick={() => onChange(null)}>
          {t("dateRange.clear")}
        </button>
      ) : null}
    </div>
  );
}
