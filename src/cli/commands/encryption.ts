/** `cronhook encryption new-key|reencrypt`: encryption at rest of the secrets a database holds. */
import { EncryptedStorage } from '../../storage/encryption/encrypted-storage.js';
import { generateEncryptionKey } from '../../storage/encryption/encryption-keys.js';
import { type Command, JSON_OPTION, UsageError } from '../command.js';
import { KEYS_ENV } from '../encryption.js';
import { printFields, printJson } from '../format.js';
import { chooseDatabase, DATABASE_OPTIONS, openStorage } from '../storage.js';

const newKey: Command = {
  name: 'encryption new-key',
  summary: `Print a new random key for ${KEYS_ENV} (32 bytes, base64).`,
  options: {},
  details: `Keep it where you keep other secrets, never next to the database. To rotate, put the new key first:
  ${KEYS_ENV}="<new key>,<old key>" cronhook encryption reencrypt`,
  run: ({ io }) => {
    io.out(generateEncryptionKey());
    return 0;
  },
};

const reencrypt: Command = {
  name: 'encryption reencrypt',
  summary: `Encrypt every stored secret with the first key of ${KEYS_ENV} (plain ones and older keys').`,
  options: { ...DATABASE_OPTIONS, ...JSON_OPTION },
  details: `Run it once after turning encryption on (secrets stored before are still plain text), and after
putting a new key first; then older keys can be dropped. Exits 1 when a secret could not be decrypted with
the keys given (it is left as it was). Run it while no scheduler runs.
Example:
  ${KEYS_ENV}="$NEW_KEY,$OLD_KEY" cronhook encryption reencrypt --db cronhook.db`,
  run: async ({ values, io }) => {
    const storage = await openStorage(chooseDatabase(values), { mustExist: true });
    try {
      if (!(storage instanceof EncryptedStorage)) {
        throw new UsageError(`set ${KEYS_ENV} to the keys, newest first: the first one encrypts`, KEYS_ENV);
      }
      const result = await storage.reencrypt();
      if (values.json) printJson(io, result);
      else
        printFields(io, [
          ['endpoints rewritten', String(result.endpoints)],
          ['jobs rewritten', String(result.jobs)],
          ['not decryptable', String(result.undecryptable)],
        ]);
      if (result.undecryptable > 0) {
        io.err(
          `cronhook: ${result.undecryptable} record(s) hold secrets none of the keys decrypts; add their key to ` +
            `${KEYS_ENV} and run again before dropping any key`,
        );
        return 1;
      }
      return 0;
    } finally {
      await storage.close?.();
    }
  },
};

export const encryptionCommands: Command[] = [newKey, reencrypt];
