// An administrator keeps the board registry: which certifying boards we report MOC completions to (and within how
// many days of a claim), and which boards' participants report themselves (with the instructions they are emailed).
// Board reporting stores it and reads it at every claim, so a change applies to claims from then on.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { Board, BoardChange } from "../../api/schemas";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormNumberField, FormRadioGroup, FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { toast } from "../../components/Toasts";
import { useBoards } from "../../hooks/useBoards";
import { formatDateTime } from "../../lib/format";
import { OfficeTable } from "./OfficeTable";
import styles from "./office.module.css";

const schema = z
  .object({
    code: z.string().trim().regex(/^[A-Z][A-Za-z-]{1,15}$/, "adminBoards.codeFormat"),
    name: z.string().trim().min(1, "validation.required").max(200, "validation.tooLong"),
    mode: z.enum(["report", "self_report"]),
    deadline_days: z.number().int().min(1, "adminBoards.deadlineRange").max(3650, "adminBoards.deadlineRange").nullable(),
    self_report_instructions: z.string().max(5000, "validation.tooLong"),
  })
  .superRefine((values, ctx) => {
    if (values.mode === "report" && values.deadline_days === null)
      ctx.addIssue({ code: "custom", path: ["deadline_days"], message: "adminBoards.deadlineNeeded" });
    if (values.mode === "self_report" && !values.self_report_instructions.trim())
      ctx.addIssue({ code: "custom", path: ["self_report_instructions"], message: "adminBoards.instructionsNeeded" });
  });
type Values = z.infer<typeof schema>;
const NAMES = ["code", "name", "mode", "deadline_days", "self_report_instructions"] as const;
const EMPTY: Values = { code: "", name: "", mode: "report", deadline_days: 60, self_report_instructions: "" };

export function AdminBoards() {
  const { t } = useTranslation();
  const boards = useBoards();
  const [editing, setEditing] = useState<Board | null>(null);
  // The form is below the list: "Edit" takes the reader (and a screen reader's focus) to it.
  const formHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (editing) formHeading.current?.focus();
  }, [editing]);
  return (
    <Page title={t("adminBoards.title")} lead={t("adminBoards.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <OfficeTable
        query={boards}
        label={t("adminBoards.title")}
        empty={t("adminBoards.none")}
        headers={[t("adminBoards.code"), t("adminBoards.name"), t("adminBoards.mode"), t("adminBoards.deadline"), t("officeSessions.actions")]}
        row={(board: Board) => (
          <tr key={board.code}>
            <td>{board.code}</td>
            <td className={styles.wraps}>{board.name}</td>
            <td>{board.mode === "report" ? t("adminBoards.report") : t("adminBoards.selfReport")}</td>
            <td>{board.deadline_days ? t("adminBoards.days", { count: board.deadline_days }) : "—"}</td>
            <td>
              <Button variant="secondary" onPress={() => setEditing(board)} aria-label={t("adminBoards.editOne", { code: board.code })}>
                {t("adminBoards.edit")}
              </Button>
            </td>
          </tr>
        )}
      />
      <h2 id="board-form-heading" ref={formHeading} tabIndex={-1}>{editing ? t("adminBoards.editHeading", { code: editing.code }) : t("adminBoards.addHeading")}</h2>
      <BoardForm key={editing?.code ?? "new"} board={editing} onDone={() => setEditing(null)} />
      {editing ? <BoardHistory code={editing.code} /> : null}
    </Page>
  );
}

// What a change did, field by field, in the words of the form (a new board: everything it was added with).
const FIELDS = ["name", "mode", "deadline_days", "self_report_instructions"] as const;

function BoardHistory({ code }: { code: string }) {
  const { t, i18n } = useTranslation();
  const changes = useQuery({
    queryKey: ["boards", code, "changes"],
    queryFn: () => unwrap(api.boardReporting.GET("/boards/{code}/changes", { params: { path: { code } } })),
  });
  const shown = (board: Board, field: (typeof FIELDS)[number]): string => {
    if (field === "mode") return board.mode === "report" ? t("adminBoards.report") : t("adminBoards.selfReport");
    if (field === "deadline_days") return board.deadline_days ? t("adminBoards.days", { count: board.deadline_days }) : "—";
    return board[field] ?? "—";
  };
  const labels = {
    name: t("adminBoards.name"),
    mode: t("adminBoards.mode"),
    deadline_days: t("adminBoards.deadline"),
    self_report_instructions: t("adminBoards.instructions"),
  };
  const what = (change: BoardChange) => {
    const { before, after } = change;
    if (!before) return <p>{t("adminBoards.historyAdded", { name: after.name })}</p>;
    const changed = FIELDS.filter((field) => shown(before, field) !== shown(after, field));
    if (changed.length === 0) return <p>{t("adminBoards.historyNothing")}</p>;
    return (
      <ul className={styles.changes}>
        {changed.map((field) => (
          <li key={field}>
            {t("adminBoards.historyField", { field: labels[field], before: shown(before, field), after: shown(after, field) })}
          </li>
        ))}
      </ul>
    );
  };
  return (
    <section aria-labelledby="board-history-heading">
      <h2 id="board-history-heading">{t("adminBoards.historyHeading", { code })}</h2>
      <OfficeTable
        query={changes}
        label={t("adminBoards.historyHeading", { code })}
        empty={t("adminBoards.historyNone")}
        headers={[t("adminBoards.historyWhen"), t("adminBoards.historyWho"), t("adminBoards.historyWhat")]}
        row={(change: BoardChange) => (
          <tr key={`${change.changed_at}-${change.changed_by}`}>
            <th scope="row">{formatDateTime(change.changed_at, i18n.language)}</th>
            <td>{change.changed_by_name ?? t("adminBoards.historyUnknown")}</td>
            <td className={styles.wraps}>{what(change)}</td>
          </tr>
        )}
      />
    </section>
  );
}

function BoardForm({ board, onDone }: { board: Board | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: board
      ? { ...board, self_report_instructions: board.self_report_instructions ?? "" }
      : EMPTY,
  });
  const save = useMutation({
    mutationFn: (values: Values) => {
      const body = {
        name: values.name,
        mode: values.mode,
        deadline_days: values.mode === "report" ? values.deadline_days : null,
        self_report_instructions: values.self_report_instructions.trim() || null,
      };
      return board
        ? unwrap(api.boardReporting.PATCH("/boards/{code}", { params: { path: { code: board.code } }, body }))
        : unwrap(api.boardReporting.POST("/boards", { body: { ...body, code: values.code } }));
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["boards"] }); // the list and each board's history
      toast(board ? t("adminBoards.saved", { code: saved.code }) : t("adminBoards.added", { code: saved.code }));
      form.reset(EMPTY);
      onDone();
    },
  });
  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await save.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, sameNames<Values>(NAMES)));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );
  const mode = form.watch("mode");
  return (
    <>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate className={styles.form} aria-labelledby="board-form-heading">
        {board ? null : (
          <FormTextField control={form.control} name="code" label={t("adminBoards.code")} description={t("adminBoards.codeHelp")} isRequired maxLength={16} />
        )}
        <FormTextField control={form.control} name="name" label={t("adminBoards.name")} isRequired maxLength={200} />
        <FormRadioGroup
          control={form.control}
          name="mode"
          label={t("adminBoards.mode")}
          choices={[
            { value: "report", label: t("adminBoards.report") },
            { value: "self_report", label: t("adminBoards.selfReport") },
          ]}
        />
        {mode === "report" ? (
          <FormNumberField control={form.control} name="deadline_days" label={t("adminBoards.deadline")} description={t("adminBoards.deadlineHelp")} minValue={1} maxValue={3650} isRequired />
        ) : (
          <FormTextField control={form.control} name="self_report_instructions" label={t("adminBoards.instructions")} description={t("adminBoards.instructionsHelp")} multiline maxLength={5000} isRequired />
        )}
        <div className={styles.actionsBar}>
          <Button type="submit" isPending={save.isPending}>
            {board ? t("adminBoards.save") : t("adminBoards.add")}
          </Button>
          {board ? (
            <Button variant="secondary" onPress={onDone}>
              {t("common.cancel")}
            </Button>
          ) : null}
        </div>
      </form>
    </>
  );
}
