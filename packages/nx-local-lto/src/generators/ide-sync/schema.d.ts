/** nx-local-lto:ide-sync takes no options. */
export type IdeSyncGeneratorSchema = Record<string, never>;
