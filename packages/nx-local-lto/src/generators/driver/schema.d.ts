/** Options of nx-local-lto:driver; see schema.json for each option's description and default. */
export interface DriverGeneratorSchema {
  name: string;
  directory?: string;
  profile: 'user' | 'kernel';
  /** Comma-separated string or list; none: the helpers path. */
  header: string | string[];
  /** Comma-separated string or list. */
  functions: string | string[];
  /** Comma-separated string or list. */
  linkLib: string | string[];
  /** Comma-separated string or list. Default 'example' without header. */
  helpers?: string | string[];
  /** Comma-separated string or list. */
  libs: string | string[];
  skipFormat: boolean;
}
