/** Options of nx-local-lto:init; see schema.json for each option's description and default. */
export interface InitGeneratorSchema {
  skipFormat: boolean;
}
