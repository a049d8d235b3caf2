import * as fs from 'node:fs/promises';
import { msg } from '../errors';
import {
  LicenseError,
  LicenseKeyFileError,
  LicenseTooLargeError,
  MAX_KEY_FILE_BYTES,
  MAX_LICENSE_FILE_BYTES,
} from './licenseFile';

/** The `.txt` delivered beside a `Kundenname_Lizenznummer.lic` (same name, `.txt`). */
export function keyFileBeside(licenseFile: string): string {
  return licenseFile.replace(/\.lic$/i, '') + '.txt';
}

/** The chosen license file does not exist. */
export class LicenseFileNotFoundError extends LicenseError {
  constructor(file: string) {
    super(
      'E_LICENSE_FILE_MISSING',
      msg('The license file {0} does not exist. Check the path; the file is named Kundenname_Lizenznummer.lic.'),
      [file],
    );
  }
}

/** Reads a `.lic`, refusing anything over the size cap before reading it whole. @throws LicenseFileNotFoundError, LicenseTooLargeError */
export async function readLicenseFile(file: string): Promise<Buffer> {
  const { size } = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new LicenseFileNotFoundError(file) : error;
  });
  if (size > MAX_LICENSE_FILE_BYTES) throw new LicenseTooLargeError(size, MAX_LICENSE_FILE_BYTES);
  return fs.readFile(file);
}

/**
 * Reads a license key file, refusing a missing or oversized one with a message that says what to do.
 * @throws LicenseKeyFileError
 */
export async function readKeyFile(file: string): Promise<Buffer> {
  let size: number;
  try {
    ({ size } = await fs.stat(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LicenseKeyFileError(`${file} does not exist; give the key with --key or --key-file`);
    throw error;
  }
  if (size > MAX_KEY_FILE_BYTES) throw new LicenseKeyFileError(`${file} has ${size} bytes`);
  return fs.readFile(file);
}
