/**
 * GitHub Actions workflow commands (`::error file=...,line=...::message`), escaped as the runner
 * reads them: in the message `%`, CR and LF are percent-encoded; in properties also `:` and `,`.
 */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** An annotation's place and title; every field is optional (a run-level error has no line). */
export interface AnnotationAt {
  file?: string;
  line?: number;
  col?: number;
  title?: string;
}

/** One `::error ...::message` line (no trailing newline). */
export function errorCommand(message: string, at: AnnotationAt = {}): string {
  return annotation('error', message, at);
}

/** One `::warning ...::message` line (no trailing newline): something GitHub shows without calling it a failure. */
export function warningCommand(message: string, at: AnnotationAt = {}): string {
  return annotation('warning', message, at);
}

function annotation(kind: 'error' | 'warning', message: string, at: AnnotationAt): string {
  const properties = (['file', 'line', 'col', 'title'] as const)
    .filter((key) => at[key] !== undefined)
    .map((key) => `${key}=${escapeProperty(String(at[key]))}`)
    .join(',');
  return `::${kind}${properties ? ` ${properties}` : ''}::${escapeData(message)}`;
}
