import { Client, Connection, TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { InvalidSettingError, TemporalSettings } from './settings';
import { isLoopbackHost, TemporalTokens, TokenLog } from './temporal-credentials';

/** How a process proves itself to Temporal: TLS (or none, on loopback only) and the token it sends. */
export interface TemporalAccess {
  tls: TLSConfig | false;
  /** The token to send now; absent: none (the development stack's open server). */
  token?: () => string;
  /** Renewed tokens (client credentials only); a NativeConnection is told of each. */
  tokens?: TemporalTokens;
}

/** The host of a `host:port` address. */
const hostOf = (address: string) => address.replace(/:\d+$/, '');

/** The gRPC status code of a failed call, wherever the SDK's wrapping put it (the error or a cause of it). */
export function grpcCode(error: unknown): number | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (typeof e.code === 'number') return e.code;
  return undefined;
}

/**
 * The access the settings describe; with client credentials, fetches the first token (a process
 * that cannot get one fails at start, saying why). A token never travels in clear text beyond
 * loopback.
 */
export async function temporalAccess(settings: TemporalSettings, log: TokenLog): Promise<TemporalAccess> {
  const useTls = settings.temporalTls || settings.temporalTlsCaFile !== '';
  const tls: TLSConfig | false = useTls
    ? {
        ...(settings.temporalTlsCaFile ? { serverRootCACertificate: readCaFile(settings.temporalTlsCaFile) } : {}),
        ...(settings.temporalTlsServerName ? { serverNameOverride: settings.temporalTlsServerName } : {}),
      }
    : false;
  const sendsToken = settings.temporalTokenUrl !== '' || settings.temporalApiKey !== '';
  if (sendsToken && !useTls && !isLoopbackHost(hostOf(settings.temporalAddress))) {
    throw new InvalidSettingError(`a Temporal token would go to ${settings.temporalAddress} in clear text: set --temporal-tls or --temporal-tls-ca-file`);
  }
  // A token given as it is (a person's) wins over the client credentials a shell may also hold.
  if (settings.temporalApiKey) return { tls, token: () => settings.temporalApiKey };
  if (settings.temporalTokenUrl) {
    if (!settings.temporalClientSecretFile) throw new InvalidSettingError('--temporal-token-url needs --temporal-client-secret-file (TEMPORAL_CLIENT_SECRET_FILE)');
    const tokens = await TemporalTokens.start({ tokenUrl: settings.temporalTokenUrl, clientId: settings.temporalClientId, clientSecretFile: settings.temporalClientSecretFile }, log);
    return { tls, tokens, token: () => tokens.token() };
  }
  return { tls };
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InvalidSettingError(`cannot read the Temporal CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function connectWorker(settings: Pick<TemporalSettings, 'temporalAddress'>, access: TemporalAccess): Promise<NativeConnection> {
  const connection = await NativeConnection.connect({ address: settings.temporalAddress, tls: access.tls, ...(access.token ? { apiKey: access.token() } : {}) });
  access.tokens?.onRenewed((token) => connection.setApiKey(token));
  return connection;
}

export async function connectClient(settings: Pick<TemporalSettings, 'temporalAddress' | 'temporalNamespace'>, access: TemporalAccess, identity?: string): Promise<Client> {
  // A function: every call sends the token of the moment.
  const connection = await Connection.connect({ address: settings.temporalAddress, tls: access.tls, ...(access.token ? { apiKey: access.token } : {}) });
  return new Client({ connection, namespace: settings.temporalNamespace, ...(identity ? { identity } : {}) });
}
