// Short confirmations ("Registration cancelled") announced politely, dismissable, gone after a while.
import {
  Button,
  Text,
  UNSTABLE_Toast as Toast,
  UNSTABLE_ToastContent as ToastContent,
  UNSTABLE_ToastQueue as ToastQueue,
  UNSTABLE_ToastRegion as ToastRegion,
} from "react-aria-components";
import { useTranslation } from "react-i18next";
import styles from "./Toasts.module.css";

interface ToastContentValue {
  title: string;
  description?: string;
}

export const toasts = new ToastQueue<ToastContentValue>({ maxVisibleToasts: 3 });

export function toast(title: string, description?: string): void {
  toasts.add({ title, description }, { timeout: 8000 });
}

export function Toasts() {
  const { t } = useTranslation();
  return (
    <ToastRegion queue={toasts} className={styles.region} aria-label={t("toasts.region")}>
      {({ toast: item }) => (
        <Toast toast={item} className={styles.toast}>
          <ToastContent className={styles.content}>
            <Text slot="title" className={styles.title}>
              {item.content.title}
            </Text>
            {item.content.description ? <Text slot="description">{item.content.description}</Text> : null}
          </ToastContent>
          <Button slot="close" className={styles.close} aria-label={t("toasts.dismiss")}>
            ×
          </Button>
        </Toast>
      )}
    </ToastRegion>
  );
}
