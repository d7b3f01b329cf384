import { execa } from 'execa';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Gives a copy of this workspace `libs/bits-extra`: a crate of its own Nx project
 * (project.json) that bitset-user uses by a Cargo path dependency. Cargo.lock gains the
 * new workspace member offline; every locked version stays.
 */
export async function addPathDependencyCrate(ws: string): Promise<void> {
  mkdirSync(join(ws, 'libs/bits-extra/src'), { recursive: true });
  writeFileSync(join(ws, 'libs/bits-extra/Cargo.toml'), '[package]\nname = "bits-extra"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n');
  writeFileSync(join(ws, 'libs/bits-extra/src/lib.rs'), '#![no_std]\npub struct Marker;\npub const fn low_bit(x: u32) -> u32 { x & x.wrapping_neg() }\n');
  writeFileSync(join(ws, 'libs/bits-extra/project.json'), '{ "name": "bits-extra" }\n');
  appendFileSync(join(ws, 'drivers/bitset-user/Cargo.toml'), 'bits-extra = { path = "../../libs/bits-extra" }\n');
  await execa('cargo', ['metadata', '--offline', '--format-version', '1', '--manifest-path', 'Cargo.toml'], { cwd: ws, stdout: 'ignore' });
  if (!/name = "bits-extra"/.test(readFileSync(join(ws, 'Cargo.lock'), 'utf8'))) throw new Error('Cargo.lock did not gain bits-extra');
}
