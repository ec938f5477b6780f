import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api";
import { Alert } from "../../components/Alert";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { useAuth } from "../../hooks/useAuth";

/** The link mailed to a new address: confirming it once is enough (a second visit is answered from the cache). */
export function VerifyEmail() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const state = useAuth();
  const verify = useQuery({
    queryKey: ["email-verification", token],
    queryFn: () => unwrap(api.identity.POST("/email-verifications/{token}", { params: { path: { token } } })).then(() => true),
    enabled: token !== "",
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return (
    <Page title={t("verifyEmail.title")} narrow>
      {token === "" ? <Alert tone="error" title={t("verifyEmail.noToken")} /> : null}
      {verify.isLoading ? <Loading label={t("verifyEmail.checking")} /> : null}
      {verify.isError ? (
        <>
          <ErrorPanel error={verify.error} />
          <p>{t("verifyEmail.failedHelp")}</p>
          <p>
            <Link to="/account/emails">{t("verifyEmail.manage")}</Link>
          </p>
        </>
      ) : null}
      {verify.isSuccess ? (
        <>
          <Alert tone="success" role="status" title={t("verifyEmail.done")}>
            <p>{t("verifyEmail.doneBody")}</p>
          </Alert>
          <p>
            {state.status === "signed-in" ? (
              <Link to="/account/emails">{t("verifyEmail.manage")}</Link>
            ) : (
              <Link to="/sign-in">{t("nav.signIn")}</Link>
            )}
          </p>
        </>
      ) : null}
    </Page>
  );
}
