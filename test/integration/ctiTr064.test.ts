import { strict as assert } from 'node:assert';
import { FritzboxCallMonitor } from '../../src/core/cti/fritzboxCallMonitor';
import { Tr064Error, tr064Dial } from '../../src/core/cti/fritzboxTr064';
import { silentLogger } from '../../src/core/log';
import { tr064Peer } from '../peers/ctiPeers';

describe('cti: Fritz!Box dialling through TR-064 against an HTTP digest peer', function () {
  this.timeout(20_000);

  it('dials with digest authentication; the monitor uses TR-064 when a login is configured, else a tel: URI', async () => {
    const peer = await tr064Peer('ixhaus', 'geheim');
    try {
      await tr064Dial({ host: '127.0.0.1', port: peer.port, username: 'ixhaus', password: 'geheim' }, '00301234567');
      const box = new FritzboxCallMonitor({
        host: '127.0.0.1',
        port: 1,
        log: silentLogger,
        tr064: { port: peer.port, username: 'ixhaus', password: 'geheim' },
      });
      assert.deepEqual(await box.dial('**610'), { kind: 'placed', reference: 'tr064' });
      assert.deepEqual(peer.dialled, ['00301234567', '**610']);
      const plain = new FritzboxCallMonitor({ host: '127.0.0.1', port: 1, log: silentLogger });
      assert.deepEqual(await plain.dial('0301234567'), { kind: 'uri', uri: 'tel:0301234567' });
    } finally {
      await peer.close();
    }
  });

  it('names the cause: wrong password, Wählhilfe off, TR-064 off', async () => {
    const peer = await tr064Peer('ixhaus', 'geheim');
    const faulty = await tr064Peer('ixhaus', 'geheim', 'Dial help not enabled');
    try {
      await assert.rejects(
        tr064Dial({ host: '127.0.0.1', port: peer.port, username: 'ixhaus', password: 'falsch' }, '0301234567'),
        (e: unknown) => e instanceof Tr064Error && /refused the TR-064 login of "ixhaus"/.test(e.message),
      );
      await assert.rejects(
        tr064Dial({ host: '127.0.0.1', port: faulty.port, username: 'ixhaus', password: 'geheim' }, '0301234567'),
        /did not dial: Dial help not enabled\. Turn on Telefonie > Anrufe > Wählhilfe/,
      );
      const closedPort = peer.port;
      await peer.close();
      await assert.rejects(
        tr064Dial({ host: '127.0.0.1', port: closedPort, username: 'ixhaus', password: 'geheim' }, '0301234567'),
        /refuses TR-064/,
      );
      assert.equal(peer.dialled.length, 0);
    } finally {
      await faulty.close();
    }
  });
});
