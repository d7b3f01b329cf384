import rustBcSchema from '../executors/rust-bc/schema.json';
import lldSchema from '../executors/lld-relocatable/schema.json';
import { validateOptions } from './validate-options';

describe('validateOptions', () => {
  it('fills in schema defaults', () => {
    const o = validateOptions<Record<string, unknown>>(rustBcSchema, { crateRoot: 'a/src/lib.rs' });
    expect(o).toMatchObject({ edition: '2021', optLevel: '2', profile: 'user', cfg: [], rustflags: [] });
  });

  it('names an unknown option and lists the accepted ones', () => {
    expect(() => validateOptions(rustBcSchema, { crateRoot: 'x', codegenUnits: 4 })).toThrow(/^unknown option 'codegenUnits'; accepted options: crateRoot, crateName, edition/);
  });

  it('names a bad enum value and the accepted values', () => {
    expect(() => validateOptions(lldSchema, { rustBitcode: 'x.bc', inlinePolicy: 'ignore' })).toThrow(`option 'inlinePolicy' is "ignore"; accepted values: "error", "warn"`);
  });

  it('names a wrong type and a missing required option', () => {
    expect(() => validateOptions(lldSchema, { rustBitcode: 'x.bc', bitcode: 'a.bc' })).toThrow(`option 'bitcode' must be of type array, got "a.bc"`);
    expect(() => validateOptions(lldSchema, {})).toThrow(`option 'rustBitcode' is required`);
  });
});
