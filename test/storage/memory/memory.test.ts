import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { testStorage } from '../../../src/testing/storage.js';

testStorage('MemoryStorage', () => new MemoryStorage());
