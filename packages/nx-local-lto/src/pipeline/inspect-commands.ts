/**
 * Command lines (pure functions, like commands.ts) of the steps that inspect rather than
 * build: reading a module as text, and asking clang what a CPU or a feature implies.
 */

/** DIS: a bitcode file as textual IR on stdout (`llvm-link -S`, the text `llvm-dis` writes). */
export function disassembleArgs(bitcode: string): string[] {
  return ['-S', bitcode, '-o', '-'];
}

/**
 * CPU-FEATURES: compile `void f(void) {}` (stdin) for a CPU and explicit features, as the
 * function attributes name them; clang writes every implied feature into f's
 * "target-features" (F18). cc1 options take LLVM's own CPU and feature names on any target.
 */
export function cpuFeaturesArgs(triple: string, cpu: string | undefined, features: readonly string[]): string[] {
  return [
    `--target=${triple}`,
    ...(cpu ? ['-Xclang', '-target-cpu', '-Xclang', cpu] : []),
    ...features.flatMap((f) => ['-Xclang', '-target-feature', '-Xclang', f]),
    '-S', '-emit-llvm', '-o', '-', '-x', 'c', '-',
  ];
}

/** FEATURE-FLAG: the same empty function with clang's user flag `-m<feature>` (fails when clang has no such flag). */
export function featureFlagArgs(triple: string, feature: string): string[] {
  return [`--target=${triple}`, `-m${feature}`, '-S', '-emit-llvm', '-o', '-', '-x', 'c', '-'];
}

/**
 * KEEP: a textual IR module linked right after `--internalize` whose `llvm.used` names the
 * helper-side symbols that native objects reference, so internalization keeps them
 * (InternalizePass preserves `llvm.used`; F17). They stay global until the symbol policy.
 */
export function keepModuleText(triple: string, dataLayout: string, functions: readonly string[], variables: readonly string[]): string {
  const q = (n: string) => `@"${n.replace(/["\\]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
  const all = [...functions, ...variables];
  return [
    `target datalayout = "${dataLayout}"`,
    `target triple = "${triple}"`,
    ...functions.map((f) => `declare void ${q(f)}()`),
    ...variables.map((v) => `${q(v)} = external global i8`),
    `@llvm.used = appending global [${all.length} x ptr] [${all.map((n) => `ptr ${q(n)}`).join(', ')}], section "llvm.metadata"`,
    '',
  ].join('\n');
}

/** AS: textual IR back to a bitcode file (`llvm-link` reads `.ll` as well as `.bc`). */
export function assembleArgs(ir: string, bitcode: string): string[] {
  return [ir, '-o', bitcode];
}

/** DEMANGLE: symbol names to readable ones, one per line (`llvm-cxxfilt` reads Rust's v0 and legacy manglings). */
export function demangleArgs(symbols: readonly string[]): string[] {
  return [...symbols];
}

/** OBJDUMP: an object's machine code as text (`llvm-objdump -d`), for the SIMD register check. */
export function disassembleObjectArgs(object: string): string[] {
  return ['-d', '--no-show-raw-insn', object];
}
