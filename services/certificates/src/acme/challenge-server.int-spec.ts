/** The HTTP-01 responder on a real loopback socket. */
import { HttpChallengeResponder } from './challenge-responders';
import { ChallengeServer } from './challenge-server';

describe('HTTP-01 challenge server', () => {
  it('HTTP-01 serves the key authorization at its token while published, and 404 after', async () => {
    const server = new ChallengeServer();
    const port = await server.listen('127.0.0.1', 0);
    try {
      const responder = new HttpChallengeResponder(server);
      const url = `http://127.0.0.1:${port}/.well-known/acme-challenge/tok123`;
      expect((await fetch(url)).status).toBe(404);
      await responder.publish('www.example.com', 'tok123', 'tok123.thumb');
      const res = await fetch(url);
      expect([res.status, await res.text()]).toEqual([200, 'tok123.thumb']);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      await responder.withdraw('www.example.com', 'tok123');
      expect((await fetch(url)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
