import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

// Every `import { … } from 'cronhook…'` a user can copy — from the README, docs/, the examples (code and
// READMEs) and the TSDoc examples in src/ — names something that entry point exports. They are compiled
// together against the package's entry points (tsconfig.json `paths`), so a name that moved to another entry
// (testStorage lives in cronhook/testing/storage) or was renamed fails here.

const root = new URL('../..', import.meta.url).pathname;
const IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(cronhook(?:\/[a-z/]+)?)'/g;

function files(dir: string, pattern: RegExp, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'api' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, pattern, out);
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}

interface DocImport {
  where: string;
  names: string[];
  from: string;
}

function docImports(): DocImport[] {
  const sources = [
    join(root, 'README.md'),
    ...files(join(root, 'docs'), /\.md$/),
    ...files(join(root, 'examples'), /\.(md|ts)$/),
    ...files(join(root, 'src'), /\.ts$/),
  ];
  const found: DocImport[] = [];
  for (const path of sources) {
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const names = match[2]!
        .split(',')
        .map((name) => name.trim().replace(/^\*?\s*/, ''))
        .filter((name) => name !== '')
        .map((name) => name.replace(/^type\s+/, '').split(/\s+as\s+/)[0]!);
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ where: `${relative(root, path)}:${line}`, names, from: match[3]! });
    }
  }
  return found;
}

it('imports shown in the README, docs, examples and TSDoc name what their entry point exports', () => {
  const imports = docImports();
  expect(imports.length).toBeGreaterThan(20);
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const paths = Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([name, [path]]) => [name, [join(root, path!)]]),
  );
  const file = join(root, '__doc_imports__.ts');
  const source = imports
    .map(
      (i, n) =>
        `import type { ${i.names.map((name, k) => `${name} as _${n}_${k}`).join(', ')} } from '${i.from}';`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    paths,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .filter((d) => d.file?.fileName === file && d.start !== undefined)
    .map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start!).line;
      return `${imports[line]!.where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  expect(problems).toEqual([]);
}, 60_000);

it("examples import cronhook as an app does, never from this repository's src/", () => {
  const offenders = files(join(root, 'examples'), /\.ts$/).flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(/from\s+'((?:\.\.\/)+src\/[^']*)'/g)].map(
      (m) => `${relative(root, path)}: ${m[1]}`,
    ),
  );
  expect(offenders).toEqual([]);
});
