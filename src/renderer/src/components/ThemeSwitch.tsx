import { setThemeChoice, THEME_CHOICES, useTheme, type ThemeChoice } from '../theme.ts';

const LABELS: Record<ThemeChoice, string> = { system: 'System theme', light: 'Light', dark: 'Dark' };

/** System (follows the OS), light or dark; kept in this browser's storage. */
export function ThemeSwitch() {
  const { choice, theme } = useTheme();
  return (
    <label className="theme-switch" title={choice === 'system' ? `Follows the system: ${theme} now` : `Theme: ${theme}`}>
      <span className="sr-only">Theme</span>
      <select value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)} data-testid="theme-switch">
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
    </label>
  );
}
