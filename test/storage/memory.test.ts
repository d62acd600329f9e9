import { MemoryStorage } from '../../src/storage/memory.js';
import { testStorage } from '../../src/testing/index.js';

testStorage('MemoryStorage', () => new MemoryStorage());
