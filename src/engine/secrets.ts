/**
 * Encrypts secrets at rest. Electron's main process provides one backed by safeStorage (the OS keychain);
 * web mode has none, so passwords there live in memory only and are never written to disk.
 */
export interface SecretStore {
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(blob: Buffer): string;
}
