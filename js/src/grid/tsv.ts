// Tab-separated text of a block of cells, and back.

/** Rows of cells joined by tabs and newlines; tabs and newlines inside a cell become spaces. */
export function toTsv(rows: string[][]): string {
  return rows.map((r) => r.map((c) => c.replace(/[\t\r\n]+/g, " ")).join("\t")).join("\n");
}

/** Cells of TSV text: trailing empty line dropped, CRLF accepted, cells trimmed. */
export function parseTsv(text: string): string[][] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => line.split("\t").map((c) => c.trim()));
}

/** Worker tokens of one coverage cell: separated by commas, semicolons or pipes. */
export function splitWorkers(cell: string): string[] {
  return cell
    .split(/[,;|]/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}
