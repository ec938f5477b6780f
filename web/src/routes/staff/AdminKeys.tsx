// The keys that sign access tokens: which signs now, which are published for checking, which are retired. Rotating
// publishes a new key first and signs with it later, so no signed-in person notices; a key is retired only once
// every token it signed has expired (identity refuses sooner).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { toast } from "../../components/Toasts";
import { formatDateTime } from "../../lib/format";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";

export function AdminKeys() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<{ kind: "rotate" } | { kind: "retire"; kid: string } | null>(null);
  const keys = useQuery({ queryKey: ["office", "keys"], queryFn: () => unwrap(api.identity.GET("/signing-keys")) });
  const done = (list: unknown, message: string) => {
    queryClient.setQueryData(["office", "keys"], list);
    setConfirm(null);
    toast(message);
  };
  const rotate = useMutation({
    mutationFn: () => unwrap(api.identity.POST("/signing-keys")),
    onSuccess: (list) => done(list, t("admin.rotated")),
  });
  const retire = useMutation({
    mutationFn: (kid: string) => unwrap(api.identity.POST("/signing-keys/{kid}/retire", { params: { path: { kid } } })),
    onSuccess: (list) => done(list, t("admin.retired")),
  });
  const error = rotate.error ?? retire.error;
  return (
    <Page title={t("admin.keysTitle")} lead={t("admin.keysLead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <p>
        <Button variant="secondary" onPress={() => setConfirm({ kind: "rotate" })}>
          {t("admin.rotate")}
        </Button>
      </p>
      <OfficeTable
        query={keys}
        label={t("admin.keysTitle")}
        empty={t("admin.noKeys")}
        headers={[t("admin.kid"), t("admin.state"), t("admin.created"), t("admin.activates"), t("admin.retiredAt"), t("officeSessions.actions")]}
        row={(key) => (
          <tr key={key.kid}>
            <th scope="row" className={styles.code}>
              {key.kid}
            </th>
            <td>
              {key.retired_at ? (
                <Badge>{t("admin.keyRetired")}</Badge>
              ) : key.signing ? (
                <Badge tone="good">{t("admin.keySigning")}</Badge>
              ) : (
                <Badge tone="warn">{t("admin.keyPublished")}</Badge>
              )}
            </td>
            <td>{formatDateTime(key.created_at, i18n.language)}</td>
            <td>{formatDateTime(key.activates_at, i18n.language)}</td>
            <td>{key.retired_at ? formatDateTime(key.retired_at, i18n.language) : "—"}</td>
            <td>
              {!key.retired_at && !key.signing ? (
                <Button variant="secondary" onPress={() => setConfirm({ kind: "retire", kid: key.kid })}>
                  {t("admin.retire", { kid: key.kid })}
                </Button>
              ) : null}
            </td>
          </tr>
        )}
      />
      <ConfirmDialog
        isOpen={confirm !== null}
        onOpenChange={(open) => (open ? undefined : setConfirm(null))}
        title={confirm?.kind === "retire" ? t("admin.confirmRetire") : t("admin.confirmRotate")}
        confirmLabel={confirm?.kind === "retire" ? t("admin.retire", { kid: confirm.kid }) : t("admin.rotate")}
        confirmVariant={confirm?.kind === "retire" ? "danger" : "primary"}
        onConfirm={() => (confirm?.kind === "retire" ? retire.mutate(confirm.kid) : rotate.mutate())}
        isPending={rotate.isPending || retire.isPending}
      >
        <p>{confirm?.kind === "retire" ? t("admin.confirmRetireText") : t("admin.confirmRotateText")}</p>
        {error ? <ErrorPanel error={error} /> : null}
      </ConfirmDialog>
    </Page>
  );
}
