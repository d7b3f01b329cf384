/** Options of nx-local-lto:driver; see schema.json for each option's description and default. */
export interface DriverGeneratorSchema {
  name: string;
  directory?: string;
  profile: 'user' | 'kernel';
  /** Comma-separated string or list. */
  helpers: string | string[];
  /** Comma-separated string or list. */
  libs: string | string[];
  skipFormat: boolean;
}
