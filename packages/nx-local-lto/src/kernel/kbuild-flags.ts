import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'shell-quote';
import { LocalLtoError } from '../errors';
import { kbuildArgs, KbuildCompiler, kbuildMakeVars } from '../pipeline/kernel-commands';
import { runTool } from '../process/run-tool';
import { configuredCompiler, KernelTree } from './tree';

/** What kbuild does to a C file of an out-of-tree module in a tree, read from kbuild itself. */
export interface KbuildFlags {
  /** The make variables used (the clang overrides), so a step can be rerun by hand. */
  makeVars: string[];
  /** C flags, tree paths absolute; without the output, dependency-file, target and per-file (KBUILD_*) flags. */
  cflags: string[];
  /** objtool and its arguments for a module object (empty when the tree runs no objtool). */
  objtool: string[];
}

const PROBE = 'local_lto_probe';

/** Flags of kbuild's command that name one file or one module: each step sets its own. */
function perFile(flag: string): boolean {
  return /^-Wp,-MM?D,/.test(flag) || /^--target=/.test(flag) || /^-D(KBUILD_BASENAME|KBUILD_MODNAME|__KBUILD_MODNAME)=/.test(flag);
}

/**
 * Splits kbuild's record of the command it ran (`cmd_<obj> := ...` in `.<obj>.cmd`) into
 * the compiler's flags and objtool's command. Relative paths kbuild passes are relative to
 * the tree (make runs there): made absolute so the flags work from the workspace.
 */
export function parseKbuildCommand(cmdFileText: string, treeDir: string, source: string, object: string): Omit<KbuildFlags, 'makeVars'> {
  const line = cmdFileText.split('\n').find((l) => l.startsWith('cmd_'));
  if (!line) throw new LocalLtoError('kbuild wrote no command record (cmd_...) for its probe object');
  // kbuild writes `$` as `$$` and `#` as `\#` in .cmd files (make syntax).
  const text = line.slice(line.indexOf(':=') + 2).replace(/\$\$/g, '$').replace(/\\#/g, '#');
  const words = parse(text, (name) => `$${name}`);
  const commands: string[][] = [[]];
  for (const w of words) {
    if (typeof w === 'string') commands[commands.length - 1].push(w);
    else if ('op' in w && (w.op === ';' || w.op === '&&')) commands.push([]);
  }
  const [compile, ...rest] = commands.filter((c) => c.length);
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(treeDir, p));
  const cflags: string[] = [];
  for (let i = 1; i < compile.length; i++) {
    const f = compile[i];
    if (f === '-c' || f === source || perFile(f)) continue;
    if (f === '-o') {
      i++;
      continue;
    }
    if (f.startsWith('-I')) cflags.push(`-I${absolute(f.slice(2))}`);
    else if (f === '-include' || f === '-isystem') cflags.push(f, absolute(compile[++i]));
    else cflags.push(f);
  }
  const objtoolCommand = rest.find((c) => /objtool$/.test(c[0]));
  const objtool = objtoolCommand ? [absolute(objtoolCommand[0]), ...objtoolCommand.slice(1).filter((a) => a !== object)] : [];
  return { cflags, objtool };
}

/**
 * Where kbuild's answers are kept between runs: the user's cache folder ($XDG_CACHE_HOME or
 * ~/.cache), keyed by everything that decides them (tree, its identity files, the make
 * variables with clang's path and version), so any workspace on the machine shares them.
 */
function memoFile(tree: KernelTree, makeVars: string[], env: NodeJS.ProcessEnv = process.env): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([tree.dir, makeVars]));
  for (const f of tree.identityFiles) if (existsSync(f)) h.update(readFileSync(f));
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'nx-local-lto', 'kbuild', `${h.digest('hex').slice(0, 32)}.json`);
}

/**
 * The C flags and objtool command kbuild uses for a module's C file in `tree` with clang:
 * kbuild compiles a one-line probe module (`make -C <tree> M=<tmp> <probe>.o`), and its
 * `.cmd` record is read back. About 3 s once per tree, compiler and configuration; the
 * answer is kept in ~/.cache/nx-local-lto/kbuild.
 */
export async function kbuildFlags(tree: KernelTree, compiler: KbuildCompiler, verbose: boolean): Promise<KbuildFlags> {
  const makeVars = kbuildMakeVars(compiler, configuredCompiler(tree.config).kind, tree.config);
  const memo = memoFile(tree, makeVars);
  if (existsSync(memo)) return JSON.parse(readFileSync(memo, 'utf8')) as KbuildFlags;
  const dir = mkdtempSync(join(tmpdir(), 'local-lto-kbuild-'));
  try {
    const source = join(dir, `${PROBE}.c`);
    writeFileSync(source, '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n');
    writeFileSync(join(dir, 'Kbuild'), `obj-m := ${PROBE}.o\n`);
    await runTool('make', kbuildArgs(tree.dir, dir, makeVars, [`${PROBE}.o`]), { cwd: dir, verbose });
    const parsed = parseKbuildCommand(readFileSync(join(dir, `.${PROBE}.o.cmd`), 'utf8'), tree.dir, source, join(dir, `${PROBE}.o`));
    const result: KbuildFlags = { makeVars, ...parsed };
    mkdirSync(join(memo, '..'), { recursive: true });
    const tmp = `${memo}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(result, null, 1));
    renameSync(tmp, memo);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
