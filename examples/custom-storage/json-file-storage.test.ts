// The conformance suite, run against the example adapter exactly as an app would run it against its own.
// In an app: import { testStorage } from 'cronhook/testing/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testStorage } from 'cronhook/testing/storage';
import { afterAll } from 'vitest';
import { JsonFileStorage } from './json-file-storage.js';

const dir = mkdtempSync(join(tmpdir(), 'cronhook-json-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

testStorage('JsonFileStorage (examples/custom-storage)', () => new JsonFileStorage(join(dir, `${n++}.json`)));
