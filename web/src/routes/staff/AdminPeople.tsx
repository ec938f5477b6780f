// An administrator gives and takes roles: find the person, press the role. Every change is in the audit log, shown
// below (who changed what, when, from where); the services enforce the roles, this page only asks identity.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { toast } from "../../components/Toasts";
import styles from "./office.module.css";
import { AuditTable } from "./AdminAudit";
import { OfficeTable } from "./OfficeTable";
import { useAuditLog, useLearnerSearch } from "./queries";
import { SearchField } from "./SearchField";

const ROLES = ["staff", "support", "admin"] as const;
type Role = (typeof ROLES)[number];

export function AdminPeople() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [q, setQ] = useState("");
  const [removing, setRemoving] = useState<{ id: string; name: string; role: Role } | null>(null);
  const people = useLearnerSearch(q);
  const changes = useAuditLog({ kind: "role.granted" }, 10);
  const removals = useAuditLog({ kind: "role.removed" }, 10);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["office", "learners"] });
    void queryClient.invalidateQueries({ queryKey: ["office", "audit"] });
  };
  const grant = useMutation({
    mutationFn: ({ id, role }: { id: string; name: string; role: Role }) =>
      unwrap(api.identity.POST("/users/{user_id}/roles", { params: { path: { user_id: id } }, body: { role } })),
    onSuccess: (_, { name, role }) => {
      refresh();
      toast(t("admin.granted", { name, role: t(`admin.roles.${role}`) }));
    },
  });
  const remove = useMutation({
    mutationFn: ({ id, role }: { id: string; name: string; role: Role }) =>
      unwrap(api.identity.DELETE("/users/{user_id}/roles/{role}", { params: { path: { user_id: id, role } } })),
    onSuccess: (_, { name, role }) => {
      setRemoving(null);
      refresh();
      toast(t("admin.removed", { name, role: t(`admin.roles.${role}`) }));
    },
  });
  return (
    <Page title={t("admin.peopleTitle")} lead={t("admin.peopleLead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <SearchField label={t("learners.search")} value={q} onChange={setQ} />
      {grant.error ? <ErrorPanel error={grant.error} /> : null}
      {q.trim().length >= 2 ? (
        <OfficeTable
          query={people}
          label={t("admin.peopleFound")}
          empty={t("learners.none")}
          headers={[t("admin.person"), t("admin.email"), t("admin.rolesHeading")]}
          row={(person) => (
            <tr key={person.id}>
              <th scope="row" className={styles.wraps}>
                {person.name}
              </th>
              <td>{person.primary_email ?? "—"}</td>
              <td>
                <span className={styles.actions}>
                  {ROLES.map((role) =>
                    person.roles.includes(role) ? (
                      <Button
                        key={role}
                        variant="secondary"
                        onPress={() => setRemoving({ id: person.id, name: person.name, role })}
                      >
                        {t("admin.remove", { role: t(`admin.roles.${role}`), name: person.name })}
                      </Button>
                    ) : (
                      <Button
                        key={role}
                        variant="secondary"
                        isPending={grant.isPending && grant.variables?.id === person.id && grant.variables.role === role}
                        onPress={() => grant.mutate({ id: person.id, name: person.name, role })}
                      >
                        {t("admin.grant", { role: t(`admin.roles.${role}`), name: person.name })}
                      </Button>
                    ),
                  )}
                </span>
              </td>
            </tr>
          )}
        />
      ) : (
        <p>{t("admin.searchFirst")}</p>
      )}
      <section aria-labelledby="role-changes-heading">
        <h2 id="role-changes-heading">{t("admin.roleChanges")}</h2>
        <h3>{t("admin.kinds.role.granted")}</h3>
        <AuditTable log={changes} label={t("admin.kinds.role.granted")} />
        <h3>{t("admin.kinds.role.removed")}</h3>
        <AuditTable log={removals} label={t("admin.kinds.role.removed")} />
      </section>
      <ConfirmDialog
        isOpen={removing !== null}
        onOpenChange={(open) => (open ? undefined : setRemoving(null))}
        title={t("admin.confirmRemove")}
        confirmLabel={removing ? t("admin.remove", { role: t(`admin.roles.${removing.role}`), name: removing.name }) : ""}
        confirmVariant="danger"
        onConfirm={() => removing && remove.mutate(removing)}
        isPending={remove.isPending}
      >
        <p>{removing ? t("admin.confirmRemoveText", { role: t(`admin.roles.${removing.role}`), name: removing.name }) : null}</p>
        {remove.error ? <ErrorPanel error={remove.error} /> : null}
      </ConfirmDialog>
    </Page>
  );
}
