/**
 * AES-256-GCM sealing of what the box keeps at rest (call records with their transcripts, recordings).
 * Sealed layout: version byte (1) | 12-byte IV | 16-byte tag | ciphertext. The additional data binds a sealed
 * blob to its record id, so a blob copied onto another record does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, LinekeeperError } from '../errors.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens data with the box's records key. */
export class RecordCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`records key must be 32 bytes, got ${key.length}`);
    this.#key = key;
  }

  /** Encrypts `plain`, bound to `aad` (the record id). */
  seal(plain: string | Buffer, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** Decrypts a sealed blob; throws `Store_Decrypt` if it was altered, bound to another id or another key. */
  open(sealed: Buffer, aad: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new LinekeeperError(ErrorCode.Store_Decrypt, `sealed data for ${aad} has an unknown format`);
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (e) {
      throw new LinekeeperError(
        ErrorCode.Store_Decrypt,
        `cannot decrypt data for ${aad}: altered, or sealed with another box's key`,
        { cause: e },
      );
    }
  }
}
