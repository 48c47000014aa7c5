import { findExecutable, serviceVerdict } from './services';

describe('serviceVerdict', () => {
  it('runs a suite whose services are all found', () => {
    expect(serviceVerdict('x', { sh: '/bin/sh' })).toEqual({
      run: true,
      binaries: { sh: '/bin/sh' },
    });
  });

  it('skips, saying why, or fails where make setup could have installed them', () => {
    const verdict = serviceVerdict('dnsmasq-base', {
      dnsmasq: findExecutable('no-such-dnsmasq-binary'),
    });
    expect(verdict.run).toBe(false);
    const canInstall =
      process.getuid?.() === 0 && Boolean(findExecutable('apt-get'));
    expect(verdict).toEqual({
      run: false,
      mustRun: canInstall,
      reason: expect.stringContaining(
        canInstall
          ? 'dnsmasq not found (Debian package(s): dnsmasq-base); this machine is root with apt, where `make setup` installs them: a skipped service-backed suite is a failure here'
          : 'dnsmasq not found (Debian package(s): dnsmasq-base); `make setup` installs them',
      ),
    });
  });
});
