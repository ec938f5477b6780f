// A calendar drawn in the text colour: the 📅 emoji needs a colour-emoji font, which many machines (and Debian's
// Chromium without fonts-noto-color-emoji) do not have, and showed as an empty box.
export function CalendarIcon() {
  return (
    <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="3" y="5" width="18" height="16" rx="2" />
      <path d="M3 10h18M8 3v4M16 3v4" />
    </svg>
  );
}
