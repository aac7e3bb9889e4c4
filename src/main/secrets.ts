import { safeStorage } from 'electron';
import type { SecretStore } from '../engine/index.ts';

/**
 * Passwords encrypted with the OS keychain. On Linux without a keyring safeStorage falls back to a
 * hard-coded key ('basic_text'): that is not encryption, so it counts as unavailable.
 */
export const safeStorageSecrets: SecretStore = {
  available: () =>
    safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (blob) => safeStorage.decryptString(blob),
};
