// Setup of the unit tier: a unit test that opens a socket (MySQL, Redis, SMTP, HTTP) fails at once.
import net from 'node:net';

net.Socket.prototype.connect = function refuse(): never {
  throw new Error('unit tests use no network: move this test to the integration tier, or give it a fake');
};
