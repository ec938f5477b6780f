// WCAG 2.2.1 (timing adjustable): two minutes before an idle learner's session ends, ask; staying signed in extends
// it. A half-filled claim is kept (drafts), whatever the answer.
import { Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useState } from "react";
import { auth } from "../api";
import { clearAllDrafts } from "../lib/drafts";
import { formatDateTime } from "../lib/format";
import { useAuth } from "../hooks/useAuth";
import { Button } from "./Button";
import styles from "./Dialog.module.css";

export function SessionWarning() {
  const { t, i18n } = useTranslation();
  const state = useAuth();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!state.warning || state.status !== "signed-in") return null;

  async function stay() {
    setPending(true);
    setFailed(false);
    const ok = await auth.extend();
    setPending(false);
    if (!ok) setFailed(true);
  }

  return (
    <ModalOverlay className={styles.overlay} isOpen isDismissable={false} isKeyboardDismissDisabled>
      <Modal className={styles.modal}>
        <Dialog className={styles.dialog} role="alertdialog">
          <Heading slot="title">{t("session.warningTitle")}</Heading>
          <p>
            {t("session.warningBody", {
              time: state.expiresAt ? formatDateTime(new Date(state.expiresAt).toISOString(), i18n.language) : "",
            })}
          </p>
          <p>{t("session.draftsKept")}</p>
          {failed ? <p role="alert">{t("session.extendFailed")}</p> : null}
          <div className={styles.buttons}>
            <Button
              variant="secondary"
              onPress={() => {
                clearAllDrafts();
                void auth.signOut();
              }}
            >
              {t("session.signOut")}
            </Button>
            <Button onPress={() => void stay()} isPending={pending} autoFocus>
              {t("session.stay")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
