// The ceiling for HTTP figures: a bare fastify route answering a constant proof-sized JSON.
import Fastify from 'fastify';
const app = Fastify();
const body = { rootHash: 'ab'.repeat(32), hashes: Array.from({ length: 24 }, () => 'cd'.repeat(32)) };
app.get('/bare', async () => body);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
