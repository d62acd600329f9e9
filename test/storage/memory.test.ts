import { MemoryStorage } from '../../src/storage/memory.js';
import { testStorage } from '../../src/testing/storage.js';

testStorage('MemoryStorage', () => new MemoryStorage());
