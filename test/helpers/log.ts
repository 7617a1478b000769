import type { EntityLogger } from '../../actors/registry.js';

/** A logger that records what it was told, for tests that assert what a user would see in the logs. */
export function memoryLogger(): EntityLogger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}
