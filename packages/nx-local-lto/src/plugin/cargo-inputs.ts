import { CargoFacts } from './manifest';
import { folderInput, RuntimeInput } from './external-inputs';

/**
 * Cache inputs of a Cargo-based driver's Rust side beyond its own folder: every crate its
 * path dependencies reach (sources, Cargo.toml, files read by include_str!) and the plugin's
 * runtime crate, each by content wherever it is (node_modules included).
 */
export function cargoCrateInputs(cargo: CargoFacts, runtimeCrate: string): Array<string | RuntimeInput> {
  return [...new Set([runtimeCrate, ...cargo.pathDeps.map((d) => d.dir)])].sort().map(folderInput);
}
