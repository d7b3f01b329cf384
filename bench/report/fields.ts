/**
 * The fields every results file has: the harness fills them, the test checks them, the
 * Markdown table and the chart read them. One list, so none of the three can drift.
 */
export const MACHINE_FIELDS = ['cpu_model', 'cores', 'os', 'kernel', 'node', 'nx', 'rustc', 'rustc_llvm', 'clang', 'ld_lld', 'llvm_link', 'ld', 'make', 'liburing'];

const withRange = (keys: string[]) => keys.flatMap((k) => [k, k.replace(/_s$/, '_min_s'), k.replace(/_s$/, '_max_s')]);
const ratioWithRange = (keys: string[]) => keys.flatMap((k) => [k, `${k}_min`, `${k}_max`]);

export const CODEGEN_FIELDS = [
  'name',
  'description',
  'unit',
  'iterations',
  ...withRange(['separate_s', 'local_lto_s', 'full_lto_s', 'c_inline_s']),
  ...ratioWithRange(['separate_over_local', 'local_over_full']),
  'local_over_c_inline',
  'inline_report',
  'local_over_full_reason',
];

export const BUILD_FIELDS = [
  'drivers',
  'tasks',
  'runs_cold',
  'runs_cached',
  'runs_incremental',
  ...withRange(['nx_cold_s', 'make_cold_s']),
  ...ratioWithRange(['nx_cold_over_make']),
  ...withRange(['floor_cold_s']),
  'nx_cold_over_floor_make',
  ...withRange(['nx_batch_cold_s']),
  'nx_batch_cold_over_make',
  ...withRange(['nx_cached_s', 'nx_floor_s']),
  'floor_tasks',
  ...ratioWithRange(['nx_cached_over_floor']),
  'incremental_tasks',
  ...withRange(['incremental_s']),
  'runs_one',
  ...withRange(['one_nx_s', 'one_floor_s', 'one_make_s']),
  'one_extra_s',
];

export const GRAPH_FIELDS = ['drivers', 'projects', 'runs', 'graph_s', 'graph_min_s', 'graph_max_s'];

export const TOP_FIELDS = ['schemaVersion', 'date', 'mode', 'duration_s', 'machine', 'notes', 'codegen', 'build', 'graph'];
