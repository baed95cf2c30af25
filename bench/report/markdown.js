// Markdown building blocks for the report: tables and escaping, one way.
'use strict';

/** A cell's text: pipes and newlines would break the table. */
function cell(v) {
  if (v === undefined || v === null || v === '') return '–';
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table from a header row and rows of cells; numeric columns right-aligned. */
function table(header, rows, rightAligned = []) {
  const align = header.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'));
  return [header, align, ...rows].map((r, k) => `| ${(k === 1 ? r : r.map(cell)).join(' | ')} |`).join('\n');
}

/** A fenced block that survives backticks inside the text. */
function fenced(text) {
  return `~~~~text\n${text.replace(/~~~~/g, '~ ~ ~ ~')}\n~~~~`;
}

module.exports = { table, fenced, cell };
