/**
 * Writing man(7) roff safely: escape text so that no input can start a request or a font change,
 * keep the output ASCII (non-ASCII characters become \[uXXXX] glyphs, which groff and mandoc render
 * without preconv), and a tiny inline markup for the hand-written prose: `code` and *emphasis*.
 */

/** Escape plain text for roff. Line-start dots and quotes are protected by line(). */
export function esc(text: string): string {
  let out = '';
  for (const ch of text.replace(/\\/g, '\\e')) {
    const cp = ch.codePointAt(0)!;
    if (ch === '-') out += '\\-';
    else if (cp < 0x20 && ch !== '\n' && ch !== '\t') out += ' ';
    else if (cp > 0x7e) out += `\\[u${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
    else out += ch;
  }
  return out;
}

/** A text line: a leading `.` or `'` would be read as a request, so it gets the zero-width \&. */
export function line(text: string): string {
  return /^[.']/.test(text) ? `\\&${text}` : text;
}

/**
 * Inline markup of the prose: `code` → bold, *word* → italic, everything else escaped. Paragraph
 * text may be multi-line; each line is protected.
 */
export function inline(text: string): string {
  const parts = text.split(/(`[^`]+`|\*[^*\s][^*]*\*)/g);
  const rendered = parts
    .map((p) => {
      if (p.startsWith('`') && p.endsWith('`') && p.length > 1) return `\\fB${esc(p.slice(1, -1))}\\fR`;
      if (p.startsWith('*') && p.endsWith('*') && p.length > 2) return `\\fI${esc(p.slice(1, -1))}\\fR`;
      return esc(p);
    })
    .join('');
  return rendered
    .split('\n')
    .map((l) => line(l.trim()))
    .filter((l) => l !== '')
    .join('\n');
}

/** Plain text (command metadata, no markup): escaped, every line protected, blank lines dropped. */
export function text(t: string): string {
  return t
    .split('\n')
    .map((l) => line(esc(l.trim())))
    .filter((l) => l !== '')
    .join('\n');
}

/** A quoted macro argument (for .TH, .SS, .TP labels...): quotes doubled per groff. */
export function arg(text: string): string {
  return `"${esc(text).replace(/"/g, '""')}"`;
}

/** Literal lines (examples, file contents): no filling, every line protected. */
export function pre(text: string): string[] {
  return ['.RS 4', '.nf', ...text.split('\n').map((l) => line(esc(l))), '.fi', '.RE'];
}
