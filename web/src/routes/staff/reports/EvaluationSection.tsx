// One activity's evaluation results: the overall ratings, the yes/no answers (objectives met, free of commercial
// bias, will change practice) and the comments with their day. Evaluations are confidential: the service never says
// who answered, and neither does this page.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/Button";
import { QueryState } from "../../../components/QueryState";
import { saveCsv } from "../../../lib/csv";
import { formatDay } from "../../../lib/format";
import styles from "../office.module.css";
import { useEvaluationsReport, type ReportParams } from "../queries";
import { TableBox } from "../TableBox";
import { ReportChart } from "./ReportChart";

export function EvaluationSection({ params }: { params: ReportParams }) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const report = useEvaluationsReport(params);
  const count = (value: number) => new Intl.NumberFormat(i18n.language).format(value);
  const question = (key: string) => t(`officeReports.questions.${key}`, { defaultValue: key });
  return (
    <QueryState query={report}>
      {(evaluations) => {
        const answered = evaluations.ratings.reduce((sum, r) => sum + r.answers * r.rating, 0);
        const average = evaluations.responses ? answered / evaluations.responses : 0;
        const ratings = evaluations.ratings.map((r) => ({ key: String(r.rating), answers: r.answers }));
        const questions = evaluations.questions.map((q) => ({ key: q.question, yes: q.yes, no: q.no, unanswered: q.unanswered }));
        const comments = evaluations.comments;
        const saveComments = () =>
          saveCsv(
            `evaluation-comments-${params.from}-${params.to}.csv`,
            [t("officeReports.day"), t("officeReports.comment")],
            comments.map((c) => [c.day, c.comment]),
          );
        return (
          <>
            <ReportChart
              title={t("officeReports.ratings")}
              lead={t("officeReports.ratingsLead")}
              rows={ratings}
              keyLabel={t("officeReports.rating")}
              keyFormat={(rating) => t("officeReports.ratingOf", { rating })}
              axisFormat={(rating) => rating}
              series={[{ key: "answers", label: t("officeReports.responses") }]}
              format={count}
              whole
              totals={t("officeReports.ratingsTotals", {
                count: evaluations.responses,
                average: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(average),
              })}
              empty={t("officeReports.noEvaluations")}
              csvName={`evaluation-ratings-${params.from}-${params.to}.csv`}
            />
            <ReportChart
              title={t("officeReports.answers")}
              lead={t("officeReports.answersLead")}
              rows={questions}
              keyLabel={t("officeReports.question")}
              keyFormat={question}
              series={[
                { key: "yes", label: t("officeReports.yes"), stack: "answers" },
                { key: "no", label: t("officeReports.no"), stack: "answers" },
                { key: "unanswered", label: t("officeReports.unanswered"), stack: "answers" },
              ]}
              format={count}
              whole
              totals={evaluations.questions
                .filter((q) => q.yes + q.no > 0)
                .map((q) => t("officeReports.answersTotal", { question: question(q.question), yes: q.yes, count: q.yes + q.no }))
                .join(" ")}
              empty={t("officeReports.noEvaluations")}
              csvName={`evaluation-answers-${params.from}-${params.to}.csv`}
            />
            <section aria-labelledby={headingId} className={styles.report}>
              <h2 id={headingId}>{t("officeReports.comments")}</h2>
              <p className={styles.totals}>{t("officeReports.commentsTotals", { count: comments.length })}</p>
              {comments.length ? (
                <TableBox label={t("officeReports.commentsTable")}>
                  <table className={styles.table}>
                    <caption className={styles.caption}>{t("officeReports.commentsTable")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("officeReports.day")}</th>
                        <th scope="col">{t("officeReports.comment")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {comments.map((c, index) => (
                        <tr key={index}>
                          <th scope="row">{formatDay(c.day, i18n.language)}</th>
                          <td className={`${styles.wraps} ${styles.comment}`}>{c.comment}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              ) : null}
              <p>
                <Button variant="secondary" onPress={saveComments} aria-label={t("officeReports.downloadOf", { title: t("officeReports.comments") })}>
                  {t("officeReports.download")}
                </Button>
              </p>
            </section>
          </>
        );
      }}
    </QueryState>
  );
}
