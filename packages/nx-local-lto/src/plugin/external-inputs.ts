import { isAbsolute, sep } from 'node:path';
import { CBitcodeStep, dependencyListArgs, preprocessArgs } from '../pipeline/commands';
import { shellQuote } from '../process/command-line';

/** Nx `runtime` input: a command whose output Nx hashes (its text is not part of the key). */
export type RuntimeInput = { runtime: string };

/**
 * Files outside the workspace that decide a kernel build (release, configuration, exported
 * symbols): their checksums. Nx inputs cannot name files outside the workspace; a runtime
 * command can read them.
 */
export function fileContentsInput(files: readonly string[]): RuntimeInput {
  return { runtime: ['sha256sum', '--', ...files.map(shellQuote)].join(' ') };
}

/**
 * The headers a C file reads, wherever they are: the file preprocessed by the build's own
 * clang with the build's own flags (`-E -P`, PREPROCESS in commands.ts). A changed system or
 * kernel header changes the text, so the key; an untouched one gives the same text on every
 * machine with the same files. A compile error is hashed as text: the task then runs and
 * reports it.
 */
export function preprocessedInput(clang: string, step: CBitcodeStep): RuntimeInput {
  return { runtime: `${[clang, ...preprocessArgs(step)].map(shellQuote).join(' ')} 2>&1 || true` };
}

/**
 * The libraries a host test links (`-l<name>`), by content: the files the C compiler would
 * link (`cc -print-file-name=lib<name>.so` and `.a`). An upgraded library is a miss; one that
 * is absent hashes as the compiler's answer, a stable text.
 */
export function linkedLibrariesInput(cc: string, libs: readonly string[]): RuntimeInput {
  const files = libs.flatMap((l) => ['so', 'a'].map((ext) => `"$(${shellQuote(cc)} ${shellQuote(`-print-file-name=lib${l}.${ext}`)})"`));
  return { runtime: `sha256sum -- ${files.join(' ')} 2>&1` };
}

/**
 * The headers C files read outside the workspace, by content: `sha256sum` of each absolute path
 * outside the workspace among the files the compile reads (headers inside it are file inputs).
 * The list comes from the compile's own dependency file (`-MD`) when it is there and neither a
 * file it names nor a file that decides the flags (`flagFiles`: manifests, the kernel tree's
 * configuration) is newer (a make-style check, shell builtins only: a few ms a target), else
 * from clang itself (`-M`, one preprocessor run): a dependency file of other flags (another
 * include folder, another kernel tree) never gives the list. Both give the same list in the same order, so a
 * checkout that has not built yet and one that has hash alike, and a header edited, added or
 * removed changes the key. Paths with spaces are not supported (make's escaping).
 */
export function headerFilesInput(clang: string, compiles: ReadonlyArray<{ step: CBitcodeStep; depFile: string }>, flagFiles: readonly string[] = []): RuntimeInput {
  // Shell builtins only but for sha256sum (and clang without a fresh .d): Nx runs this for every
  // C task it hashes. Make rules split into words: the target (`x.bc:`) and `\` continuations are
  // not files. `set -f`: a word is never a glob.
  const decide = flagFiles.map(shellQuote).join(' ');
  const perSource = compiles.map(({ step, depFile }) => {
    const d = shellQuote(depFile);
    const read = `f=; [ ! -r ${d} ] || while read -r l; do f="$f $l"; done < ${d}`;
    const fresh = `[ -z "$f" ] || for x in $f ${decide}; do case $x in *: | \\\\) continue ;; esac; [ -e "$x" ] && [ ! "$x" -nt ${d} ] || { f=; break; }; done`;
    const fromClang = `[ -n "$f" ] || f=$(${[clang, ...dependencyListArgs(step)].map(shellQuote).join(' ')} 2>/dev/null)`;
    return `${read}; ${fresh}; ${fromClang}; all="$all $f"`;
  });
  const outside = 'for x in $all; do case $x in /*) ;; *) continue ;; esac; case $x in "$PWD"/*) continue ;; esac; case " $seen " in *" $x "*) continue ;; esac; seen="$seen $x"; done';
  return { runtime: `set -f; all=; seen=; ${perSource.join('; ')}; ${outside}; set -- $seen; [ $# = 0 ] || sha256sum -- "$@"` };
}

/**
 * Every file below a folder by content (names relative to it, so two checkouts hash the same
 * text): for folders Nx's file hashing skips, such as the plugin's runtime under
 * node_modules or a Cargo path dependency outside the workspace. `dir` is
 * workspace-relative (Nx runs the command at the workspace root). A crate's own cargo
 * `target/` folder is left out. A missing folder hashes as the error text, a stable answer.
 */
export function folderContentsInput(dir: string): RuntimeInput {
  return { runtime: `(cd ${shellQuote(dir)} && find . -path ./target -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum --) 2>&1 || true` };
}

/**
 * A source folder as a cache input: a workspace glob where Nx hashes the files itself, else
 * (outside the workspace, or under node_modules, which Nx never hashes) its contents.
 */
export function folderInput(dir: string): string | RuntimeInput {
  const hashedByNx = !isAbsolute(dir) && !dir.startsWith('..') && !dir.split(sep).includes('node_modules');
  return hashedByNx ? `{workspaceRoot}/${dir}/**/*` : folderContentsInput(dir);
}
