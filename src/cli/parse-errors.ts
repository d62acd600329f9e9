/**
 * Why a config file or a JSON flag could not be parsed or loaded, in one line that never quotes the text. A
 * config holds credentials, and a token someone forgot to quote is exactly where the parser stops: V8 quotes
 * the source around a JSON error (`Unexpected token 'B', ..."ization": Bearer tok"... is not valid JSON`), a
 * module's syntax error names the identifier (`Unexpected identifier 'sk_live_…'`) and an unquoted token
 * that parses as a name fails at run time as `sk_live_… is not defined`. Such a line would end up in CI
 * logs and service journals; the line number is given instead, where it is known.
 */
import { fileURLToPath } from 'node:url';

const NOT_SHOWN = '(the text there is not shown: it may hold a secret)';
/** `, ..."<excerpt>"... is not valid JSON`: the excerpt may span lines, so this is matched on the whole message. */
const JSON_EXCERPT = /, (?:\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/;

/** A `JSON.parse` error on `text` (a config file, a `--definition`). */
export function jsonProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const excerpt = JSON_EXCERPT.exec(message)?.[1];
  // Without a position, the excerpt is the only clue to where: find it in the text, name its line.
  const at = excerpt ? text.indexOf(excerpt) : -1;
  const line = at < 0 ? null : lineAt(text, at + Math.floor(excerpt!.length / 2));
  return unquoted(message.replace(JSON_EXCERPT, ''), line);
}

/** A failed `import()` of config module `file` (absolute path), given by the user as `shown`. */
export function moduleProblem(file: string, shown: string, error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0]!;
  const line = lineInStack(file, error.stack ?? '');
  if (error instanceof SyntaxError) {
    // Node names no line for an ES module's syntax error; `node --check` shows it, with the text.
    const where = line === null ? `; \`node --check ${shown}\` shows where` : '';
    return `${error.name}: ${unquoted(error.message, line)}${where}`;
  }
  if (error instanceof ReferenceError && / is not defined$/.test(error.message)) {
    return `${error.name}: a name that is not defined${line === null ? '' : ` (line ${line})`}, often a value left unquoted ${NOT_SHOWN}`;
  }
  // Any other error is the module's own (a throw of its code): its message is what it chose to say.
  return error.message.split('\n')[0]!;
}

/** The message's first line without what it quotes, and the line it happened on. */
function unquoted(message: string, line: number | null): string {
  const bare = message
    .split('\n')[0]!
    // Quoted punctuation (`Expected ',' or '}'`) says what was expected; a quoted word is the config's text
    // (V8 quotes one token, so a quote pair around a space is two punctuation quotes: `',', got 'ident'`).
    .replace(/\s*'[^'\s]*[A-Za-z0-9][^'\s]*'|\s*"[^"]*[A-Za-z0-9][^"]*"/g, '')
    .trim();
  const where = line === null || / \(line \d+/.test(bare) ? '' : ` (line ${line})`;
  return `${bare}${where} ${NOT_SHOWN}`;
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * The config's line from an error's stack: CommonJS and TypeScript syntax errors start with `<file>:<line>`,
 * a run-time error has a frame `<file or file URL>:<line>:<column>`.
 */
function lineInStack(file: string, stack: string): number | null {
  for (const entry of stack.split('\n')) {
    let place = entry.trim();
    if (place.startsWith('at ')) {
      place = place.slice(3);
      const open = place.lastIndexOf('(');
      if (open >= 0 && place.endsWith(')')) place = place.slice(open + 1, -1);
    }
    const m = /^(.+):(\d+):\d+$/.exec(place) ?? /^(.+):(\d+)$/.exec(place);
    if (m === null) continue;
    const path = m[1]!.startsWith('file://') ? safePath(m[1]!) : m[1];
    if (path === file) return Number(m[2]);
  }
  return null;
}

function safePath(url: string): string | null {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}
