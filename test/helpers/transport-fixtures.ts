import { afterEach } from 'vitest';
import { HttpTransport, type HttpTransportOptions } from '../../src/transport/http.js';
import { startHttpServer, type TestHttpServer } from './http-server.js';

/**
 * Servers and transports for one test file, each closed after every test. Call at the top level of the file.
 * @example const { server, transport } = useHttpFixtures();
 */
export function useHttpFixtures() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  return {
    async server(...args: Parameters<typeof startHttpServer>): Promise<TestHttpServer> {
      const started = await startHttpServer(...args);
      cleanups.push(started.close);
      return started;
    },
    transport(options?: HttpTransportOptions): HttpTransport {
      const created = new HttpTransport(options);
      cleanups.push(() => created.close());
      return created;
    },
  };
}
