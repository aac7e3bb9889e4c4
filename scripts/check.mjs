#!/usr/bin/env node
// `npm run check`: the typecheck, the type-aware lint and the format check, in one pass of type analysis.
//
// `tsc -p` twice and then `eslint .` build the same two TypeScript programs twice (ESLint's project service makes its
// own) and check their types twice: 89 s of CPU on the 2-core machine. Here each program (tsconfig.web.json,
// tsconfig.node.json) is built and type-checked once; its diagnostics are tsc's, and ESLint is handed the same
// programs (typescript-eslint's `parserOptions.programs`), whose types are by then already computed: 55 s. Prettier
// runs beside it, as its CLI (which knows its ignore files). The rules and files are eslint.config.mjs's, unchanged;
// `npm run typecheck` and `npm run lint` still run each tool alone, as an editor does.
//
// Plain JavaScript, so that nothing is compiled before the check starts. Exit code 1 when anything is reported.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
// The page's program first: a renderer file that a node-side test imports is also in the node program, without the
// DOM's types; typescript-eslint takes the first program holding a file, as the project service takes its own project.
const PROJECTS = ['tsconfig.web.json', 'tsconfig.node.json'];

/** Prettier's own CLI, beside the type analysis; resolves with its exit code and output. */
function prettierCheck() {
  return new Promise((resolve, reject) => {
    const bin = path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs');
    const child = spawn(process.execPath, [bin, '--check', '.'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Builds and type-checks one tsconfig's program, as `tsc --noEmit -p` does. */
function checkProject(configFile) {
  const configDiagnostics = [];
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, configFile),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => configDiagnostics.push(d) },
  );
  if (!config) return { program: null, diagnostics: configDiagnostics };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
  });
  return { program, diagnostics: [...configDiagnostics, ...ts.getPreEmitDiagnostics(program)] };
}

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };

async function main() {
  const prettier = prettierCheck();
  let failed = false;

  const programs = [];
  for (const project of PROJECTS) {
    const { program, diagnostics } = checkProject(project);
    if (program) programs.push(program);
    if (diagnostics.length) {
      failed = true;
      const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
      console.log(`tsc -p ${project}: ${diagnostics.length} error(s)`);
      console.log(format(diagnostics, formatHost));
    }
  }

  if (programs.length === PROJECTS.length) {
    const eslint = new ESLint({
      cwd: ROOT,
      // Only the TypeScript files take type information; the config's JavaScript files have it turned off.
      overrideConfig: { files: ['**/*.{ts,tsx,mts,cts}'], languageOptions: { parserOptions: { projectService: false, programs } } },
    });
    const results = await eslint.lintFiles(['.']);
    const report = await (await eslint.loadFormatter('stylish')).format(results);
    if (report) console.log(report);
    if (results.some((r) => r.errorCount > 0 || r.fatalErrorCount > 0)) failed = true;
  } else {
    console.log('eslint: not run, a tsconfig could not be read (above).');
  }

  const formatted = await prettier;
  console.log(formatted.output.trimEnd());
  return failed || formatted.code !== 0 ? 1 : 0;
}

process.exitCode = await main();
