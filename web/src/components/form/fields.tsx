// Form fields built on react-aria-components and bound to react-hook-form. Every field has a visible label, its
// description and its error tied to the input (aria-describedby), aria-invalid when wrong, and a 44px target. An
// error is text with a mark, never colour alone. Errors from the service (type "server") are shown in its words;
// the form's own checks carry i18n keys.

import { useId, type ReactNode } from "react";
import { parseDate, parseDateTime } from "@internationalized/date";
import {
  Button,
  Calendar,
  CalendarCell,
  CalendarGrid,
  Checkbox,
  DateInput,
  DatePicker,
  DateSegment,
  Dialog,
  Heading,
  FieldError,
  Group,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  NumberField,
  Popover,
  Radio,
  RadioGroup,
  Select,
  SelectValue,
  Text,
  TextArea,
  TextField,
} from "react-aria-components";
import { useController, type Control, type FieldError as HookFieldError, type FieldValues, type Path } from "react-hook-form";
import { useTranslation } from "react-i18next";
import dateStyles from "../DateRange.module.css";
import styles from "./Field.module.css";
import { CalendarIcon } from "../CalendarIcon";

function useErrorText(error: HookFieldError | undefined): string | undefined {
  const { t } = useTranslation();
  if (!error?.message) return undefined;
  return error.type === "server" ? error.message : t(error.message);
}

function RequiredMark({ required }: { required?: boolean }) {
  const { t } = useTranslation();
  if (!required) return null;
  return <span className={styles.required}> ({t("form.required")})</span>;
}

interface BaseProps<T extends FieldValues> {
  control: Control<T>;
  name: Path<T>;
  label: ReactNode;
  description?: ReactNode;
  isRequired?: boolean;
  isDisabled?: boolean;
  id?: string;
}

interface TextProps<T extends FieldValues> extends BaseProps<T> {
  type?: "text" | "email" | "password" | "tel" | "search";
  autoComplete?: string;
  inputMode?: "text" | "numeric" | "email" | "tel" | "search";
  multiline?: boolean;
  maxLength?: number;
  spellCheck?: boolean;
}

export function FormTextField<T extends FieldValues>(props: TextProps<T>) {
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  const Control = props.multiline ? TextArea : Input;
  return (
    <TextField
      className={styles.field}
      id={props.id}
      value={(field.value as string | null | undefined) ?? ""}
      onChange={field.onChange}
      onBlur={field.onBlur}
      name={field.name}
      type={props.type ?? "text"}
      autoComplete={props.autoComplete}
      inputMode={props.inputMode}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
      isInvalid={!!errorText}
      validationBehavior="aria"
      maxLength={props.maxLength}
    >
      <Label className={styles.label}>
        {props.label}
        <RequiredMark required={props.isRequired} />
      </Label>
      <Control className={styles.input} ref={field.ref} spellCheck={props.spellCheck} />
      {props.description ? (
        <Text slot="description" className={styles.description}>
          {props.description}
        </Text>
      ) : null}
      <FieldError className={styles.error}>{errorText}</FieldError>
    </TextField>
  );
}

interface NumberProps<T extends FieldValues> extends BaseProps<T> {
  minValue?: number;
  maxValue?: number;
  step?: number;
  /** Digits after the decimal point shown (credits: 2). */
  fractionDigits?: number;
  incrementLabel?: string;
  decrementLabel?: string;
}

/**
 * A number with steppers. With `step` 0.25 and `maxValue` it is the credit field: typing 0.8 becomes 0.75 when the
 * field is left, and more than the maximum becomes the maximum; the service still decides, and its refusal shows here.
 */
export function FormNumberField<T extends FieldValues>(props: NumberProps<T>) {
  const { t } = useTranslation();
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  const value = field.value as number | null | undefined;
  const digits = props.fractionDigits ?? 0;
  return (
    <NumberField
      className={styles.field}
      id={props.id}
      value={value ?? Number.NaN}
      onChange={(next) => field.onChange(Number.isNaN(next) ? null : next)}
      onBlur={field.onBlur}
      name={field.name}
      minValue={props.minValue}
      maxValue={props.maxValue}
      step={props.step}
      formatOptions={{ minimumFractionDigits: digits, maximumFractionDigits: Math.max(digits, 2) }}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
      isInvalid={!!errorText}
      validationBehavior="aria"
    >
      <Label className={styles.label}>
        {props.label}
        <RequiredMark required={props.isRequired} />
      </Label>
      <Group className={styles.group}>
        <Input className={styles.input} ref={field.ref} />
        <Button slot="decrement" className={styles.stepper} aria-label={props.decrementLabel ?? t("form.decrease")}>
          −
        </Button>
        <Button slot="increment" className={styles.stepper} aria-label={props.incrementLabel ?? t("form.increase")}>
          +
        </Button>
      </Group>
      {props.description ? (
        <Text slot="description" className={styles.description}>
          {props.description}
        </Text>
      ) : null}
      <FieldError className={styles.error}>{errorText}</FieldError>
    </NumberField>
  );
}

export function CheckMark() {
  return (
    <svg viewBox="0 0 18 18" aria-hidden="true" className={styles.check}>
      <polyline points="3 9.5 7.5 14 15 4.5" />
    </svg>
  );
}

interface CheckboxProps<T extends FieldValues> extends Omit<BaseProps<T>, "label"> {
  children: ReactNode;
}

export function FormCheckbox<T extends FieldValues>(props: CheckboxProps<T>) {
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  const errorId = useId();
  const descriptionId = useId();
  const describedBy = [props.description ? descriptionId : null, errorText ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className={styles.field}>
      <Checkbox
        className={styles.checkbox}
        id={props.id}
        isSelected={!!field.value}
        onChange={field.onChange}
        onBlur={field.onBlur}
        name={field.name}
        inputRef={field.ref}
        isRequired={props.isRequired}
        isDisabled={props.isDisabled}
        isInvalid={!!errorText}
        validationBehavior="aria"
        aria-describedby={describedBy || undefined}
      >
        {({ isSelected }) => (
          <>
            <span className={styles.box} aria-hidden="true">
              {isSelected ? <CheckMark /> : null}
            </span>
            <span>{props.children}</span>
          </>
        )}
      </Checkbox>
      {props.description ? (
        <span id={descriptionId} className={styles.description}>
          {props.description}
        </span>
      ) : null}
      {errorText ? (
        <span id={errorId} className={styles.error}>
          {errorText}
        </span>
      ) : null}
    </div>
  );
}

export interface Choice {
  value: string;
  label: ReactNode;
  textValue?: string;
}

interface RadioProps<T extends FieldValues> extends BaseProps<T> {
  choices: Choice[];
  orientation?: "horizontal" | "vertical";
  /** Store numbers (a rating) rather than strings. */
  numeric?: boolean;
}

export function FormRadioGroup<T extends FieldValues>(props: RadioProps<T>) {
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  const value = field.value === null || field.value === undefined ? null : String(field.value);
  return (
    <RadioGroup
      className={styles.radioGroup}
      id={props.id}
      value={value}
      onChange={(next) => field.onChange(props.numeric ? Number(next) : next)}
      name={field.name}
      orientation={props.orientation ?? "vertical"}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
      isInvalid={!!errorText}
      validationBehavior="aria"
    >
      <Label className={styles.label}>
        {props.label}
        <RequiredMark required={props.isRequired} />
      </Label>
      {props.description ? (
        <Text slot="description" className={styles.description}>
          {props.description}
        </Text>
      ) : null}
      <div className={props.orientation === "horizontal" ? styles.radioRow : styles.radioGroup}>
        {props.choices.map((choice, index) => (
          <Radio
            key={choice.value}
            value={choice.value}
            className={styles.radio}
            inputRef={index === 0 ? field.ref : undefined}
          >
            {choice.label}
          </Radio>
        ))}
      </div>
      <FieldError className={styles.error}>{errorText}</FieldError>
    </RadioGroup>
  );
}

interface SelectProps<T extends FieldValues> extends BaseProps<T> {
  choices: Choice[];
  placeholder?: string;
  numeric?: boolean;
}

export function FormSelect<T extends FieldValues>(props: SelectProps<T>) {
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  const { t } = useTranslation();
  const value = field.value === null || field.value === undefined || field.value === "" ? null : String(field.value);
  return (
    <Select
      className={styles.field}
      id={props.id}
      selectedKey={value}
      onSelectionChange={(key) => field.onChange(key === null ? null : props.numeric ? Number(key) : String(key))}
      onBlur={field.onBlur}
      name={field.name}
      placeholder={props.placeholder ?? t("form.choose")}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
      isInvalid={!!errorText}
      validationBehavior="aria"
    >
      <Label className={styles.label}>
        {props.label}
        <RequiredMark required={props.isRequired} />
      </Label>
      <Button className={styles.selectButton} ref={field.ref}>
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      {props.description ? (
        <Text slot="description" className={styles.description}>
          {props.description}
        </Text>
      ) : null}
      <FieldError className={styles.error}>{errorText}</FieldError>
      <Popover className={styles.popover}>
        <ListBox className={styles.listBox}>
          {props.choices.map((choice) => (
            <ListBoxItem
              key={choice.value}
              id={choice.value}
              className={styles.option}
              textValue={choice.textValue ?? (typeof choice.label === "string" ? choice.label : choice.value)}
            >
              {choice.label}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}

interface DateProps<T extends FieldValues> extends BaseProps<T> {
  /** "YYYY-MM-DD" (or "YYYY-MM-DDTHH:mm:ss" with `withTime`) */
  minValue?: string | null;
  maxValue?: string | null;
  /** A day and a time of day ("YYYY-MM-DDTHH:mm:ss", local time) rather than a day. */
  withTime?: boolean;
}

function day(value: string | null | undefined, withTime?: boolean) {
  try {
    return value ? (withTime ? parseDateTime(value) : parseDate(value)) : null;
  } catch {
    return null;
  }
}

/** A calendar day ("YYYY-MM-DD"), or with `withTime` a day and a time ("YYYY-MM-DDTHH:mm:ss"), typed in segments or
 * chosen on a calendar, within its limits. */
export function FormDateField<T extends FieldValues>(props: DateProps<T>) {
  const { t } = useTranslation();
  const { field, fieldState } = useController({ control: props.control, name: props.name });
  const errorText = useErrorText(fieldState.error);
  return (
    <DatePicker
      className={styles.field}
      id={props.id}
      value={day(field.value as string | null, props.withTime)}
      onChange={(value) => field.onChange(value ? value.toString() : null)}
      onBlur={field.onBlur}
      name={field.name}
      minValue={day(props.minValue, props.withTime) ?? undefined}
      maxValue={day(props.maxValue, props.withTime) ?? undefined}
      granularity={props.withTime ? "minute" : "day"}
      isRequired={props.isRequired}
      isDisabled={props.isDisabled}
      isInvalid={!!errorText}
      validationBehavior="aria"
    >
      <Label className={styles.label}>
        {props.label}
        <RequiredMark required={props.isRequired} />
      </Label>
      <Group className={dateStyles.group}>
        <DateInput className={dateStyles.input} ref={field.ref}>
          {(segment) => <DateSegment segment={segment} className={dateStyles.segment} />}
        </DateInput>
        <Button className={dateStyles.open} aria-label={t("dateRange.openOne")}>
          <CalendarIcon />
        </Button>
      </Group>
      {props.description ? (
        <Text slot="description" className={styles.description}>
          {props.description}
        </Text>
      ) : null}
      <FieldError className={styles.error}>{errorText}</FieldError>
      <Popover className={dateStyles.popover}>
        <Dialog className={dateStyles.dialog}>
          <Calendar>
            <header className={dateStyles.header}>
              <Button slot="previous" className={dateStyles.nav} aria-label={t("dateRange.previous")}>
                ‹
              </Button>
              <Heading className={dateStyles.heading} />
              <Button slot="next" className={dateStyles.nav} aria-label={t("dateRange.next")}>
                ›
              </Button>
            </header>
            <CalendarGrid className={dateStyles.grid}>{(date) => <CalendarCell date={date} className={dateStyles.cell} />}</CalendarGrid>
          </Calendar>
        </Dialog>
      </Popover>
    </DatePicker>
  );
}
