import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { LocalLtoError } from '../errors';

// strict: false because Nx schema keywords (x-priority, $default, ...) are not standard JSON Schema.
const ajv = new Ajv({ strict: false, allErrors: false, useDefaults: true, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

function describe(error: ErrorObject, schema: { properties?: Record<string, { enum?: unknown[] }> }): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const option = path.split('.')[0];
  const value = (data: unknown) => JSON.stringify(data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const accepted = Object.keys(schema.properties ?? {}).join(', ');
      return `unknown option '${path ? `${path}.` : ''}${name}'; accepted options: ${accepted}`;
    }
    case 'required':
      return `option '${path ? `${path}.` : ''}${error.params.missingProperty}' is required`;
    case 'enum':
      return `option '${path}' is ${value(error.data)}; accepted values: ${(error.params.allowedValues as unknown[]).map((v) => value(v)).join(', ')}`;
    case 'type': {
      // A wrong type on an option with an enum (edition: 2021 as a number) still lists the accepted values.
      const accepted = path === option ? schema.properties?.[option]?.enum : undefined;
      return `option '${path}' must be of type ${error.params.type}, got ${value(error.data)}${accepted ? `; accepted values: ${accepted.map((v) => value(v)).join(', ')}` : ''}`;
    }
    default:
      return `option '${path || option}' ${error.message}${error.data !== undefined ? `, got ${value(error.data)}` : ''}`;
  }
}

/**
 * Validates `options` against an executor's or generator's `schema.json` with ajv, filling
 * in schema defaults in place. Throws LocalLtoError with one line naming the option, the
 * value given and what is accepted.
 */
export function validateOptions<T>(schema: object, options: unknown): T {
  let validate = compiled.get(schema);
  if (!validate) {
    // Nx's own keys in schema.json are not JSON Schema: drop them before compiling.
    const { $schema: _s, version: _v, outputCapture: _o, cli: _c, ...jsonSchema } = schema as Record<string, unknown>;
    validate = ajv.compile(jsonSchema);
    compiled.set(schema, validate);
  }
  const copy = structuredClone(options ?? {});
  if (!validate(copy)) {
    throw new LocalLtoError(describe(validate.errors![0], schema as never));
  }
  return copy as T;
}
