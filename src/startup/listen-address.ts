import { StartupError } from './startup-error.ts';

/** PORT and HOST (CONTRACT §1): where the server listens. */
export function listenAddress(env = process.env): { port: number; host: string } {
  const raw = env.PORT ?? '4000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new StartupError(`PORT="${raw}" is not a port number; use 1–65535, e.g. PORT=4000 npm start`);
  }
  return { port, host: env.HOST || '127.0.0.1' };
}
