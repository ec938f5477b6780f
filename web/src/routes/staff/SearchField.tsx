import styles from "./office.module.css";

/** The office's search box: a labelled field that searches as one types. */
export function SearchField({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className={styles.filters}>
      <label className={styles.field}>
        {label}
        <input
          className={`${styles.control} ${styles.search}`}
          type="search"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      </label>
    </div>
  );
}
