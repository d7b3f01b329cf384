/**
 * nx-local-lto: Nx plugin entry. Nx reads `createNodesV2` (and `createNodes`, the same
 * value, for older loaders) to infer projects from `local-lto.json` files, and
 * `createDependencies` for library edges. Executors and generators are declared in
 * executors.json and generators.json.
 */
import { createDependencies } from './plugin/create-dependencies';
import { createNodesV2 } from './plugin/create-nodes';

export { createDependencies, createNodesV2 };
export const createNodes = createNodesV2;
