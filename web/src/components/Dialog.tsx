// Modal dialogs on react-aria-components: focus is trapped inside and returns to the trigger, Escape closes a
// dismissable one, and the title names the dialog.
import type { ReactNode } from "react";
import { Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Button, type Variant } from "./Button";
import styles from "./Dialog.module.css";

interface Props {
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  cancelLabel?: string;
  confirmVariant?: Variant;
  isPending?: boolean;
  /** An alert dialog is not closed by Escape or a click outside: it needs an answer. */
  alert?: boolean;
}

export function ConfirmDialog(props: Props) {
  const { t } = useTranslation();
  return (
    <ModalOverlay
      className={styles.overlay}
      isOpen={props.isOpen}
      onOpenChange={props.onOpenChange}
      isDismissable={!props.alert}
      isKeyboardDismissDisabled={props.alert}
    >
      <Modal className={styles.modal}>
        <Dialog className={styles.dialog} role={props.alert ? "alertdialog" : "dialog"}>
          <Heading slot="title">{props.title}</Heading>
          {props.children}
          <div className={styles.buttons}>
            <Button variant="secondary" onPress={() => props.onOpenChange(false)}>
              {props.cancelLabel ?? t("common.cancel")}
            </Button>
            <Button
              variant={props.confirmVariant ?? "primary"}
              onPress={props.onConfirm}
              isPending={props.isPending}
              autoFocus
            >
              {props.confirmLabel}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
