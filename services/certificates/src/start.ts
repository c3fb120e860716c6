import fs from 'node:fs';
import path from 'node:path';
import { dnsV1 } from '@poppy/contracts';
import { createJobQueue } from '@poppy/jobs';
import { createPromiseClient, startGrpcServer, type Logger, type Shutdown } from '@poppy/platform';
import { AcmeIssuer } from './acme/acme-issuer';
import {
  DnsChallengeResponder,
  HttpChallengeResponder,
  type ChallengeResponder,
} from './acme/challenge-responders';
import { ChallengeServer } from './acme/challenge-server';
import type { Issuer } from './acme/issuer';
import { Certificates } from './certificates';
import type { CertificatesConfig } from './config';
import { SqliteCertificateStore } from './drivers/sqlite/sqlite-certificate-store';
import { publishCertificateJobs } from './install-jobs';
import { LocalIssuer } from './local/local-issuer';
import { renewDue } from './renewal';
import { certificatesGrpcService } from './server';

export async function startCertificates(
  config: CertificatesConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = new SqliteCertificateStore(path.join(config.dataDir, 'certificates.sqlite'));
  shutdown.add('storage', () => store.close());
  let issuer: Issuer | undefined;
  let challengePort: number | undefined;
  if (config.issuer === 'local') {
    issuer = new LocalIssuer({ dataDir: config.dataDir, logger });
  } else if (config.acme.directoryUrl) {
    let responder: ChallengeResponder;
    if (config.acme.challenge === 'dns-01') {
      const dns = createPromiseClient(dnsV1.DnsServiceService, config.acme.dnsAddress!, {
        deadlineMs: config.grpcDeadlineMs * 4,
      });
      shutdown.add('dns client', () => dns.close());
      responder = new DnsChallengeResponder(dns);
    } else {
      const challenges = new ChallengeServer();
      if (config.acme.httpPort > 0) {
        challengePort = await challenges.listen(config.acme.httpHost, config.acme.httpPort);
        shutdown.add('acme challenge server', () => challenges.close());
      }
      responder = new HttpChallengeResponder(challenges);
    }
    issuer = new AcmeIssuer({
      directoryUrl: config.acme.directoryUrl,
      caPem: config.acme.caFile ? fs.readFileSync(config.acme.caFile, 'utf8') : undefined,
      email: config.acme.email,
      responder,
      logger,
    });
  }
  const queue = await createJobQueue(config.queue, { logger });
  shutdown.add('job queue', () => queue.close());
  const certificates = new Certificates({
    store,
    issuer,
    logger,
    onReplaced: publishCertificateJobs(queue),
  });
  shutdown.add('issuance in flight', () => certificates.idle());
  if (config.renewIntervalMs > 0) {
    const timer = setInterval(() => {
      renewDue(certificates, store, { withinDays: config.renewWithinDays, logger }).catch(
        (err: unknown) => logger.error({ err }, 'renewal sweep failed'),
      );
    }, config.renewIntervalMs);
    timer.unref();
    shutdown.add('renewal sweep', async () => clearInterval(timer));
  }
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: [certificatesGrpcService(certificates, logger, config.maxWaitMs)],
    logger,
  });
  shutdown.add('grpc server', () => server.stop());
  // Harnesses that start the service on port 0 read the bound port from this line.
  logger.info(
    {
      port: server.port,
      issuer: config.issuer,
      acme: config.acme.directoryUrl || 'off',
      challenge: config.acme.challenge,
      challengePort,
    },
    'certificates ready',
  );
}
