// The ceiling for HTTP figures: a bare fastify route answering a constant proof-sized JSON.
import Fastify from 'fastify';
const app = Fastify();
const body = { rootHash: 'ab'.repeat(32), hashes: Array.from({ length: 24 }, () => 'cd'.repeat(32)) };
app.get('/bare', async () => body);
// The same JSON body a hashedrekord POST carries, parsed and answered 201 (the HTTP ceiling for appends).
app.post('/bare', { bodyLimit: 4 * 1024 * 1024 }, async (_req, reply) => reply.code(201).send(body));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
