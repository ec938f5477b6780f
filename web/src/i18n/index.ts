// Every user-facing string is in en.json (English shipped); components only name keys.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { z } from "zod";
import en from "./en.json";

// The browser's own checks name i18n keys; a check without its own message says so in plain words.
z.config({ customError: () => "validation.invalid" });

export const resources = { en: { translation: en } } as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: "en",
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
  react: { useSuspense: false },
  returnNull: false,
});

export default i18n;
