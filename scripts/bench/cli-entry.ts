// The `clustermesh-dns` command as published (bundled, no TypeScript
// transform at run time), reporting its own peak RSS for `make bench`.
import { runCli } from '../../plugins/clustermesh-dns-cli/src/cli/run';

process.on('exit', () => {
  process.stderr.write(
    `\nbench-peak-rss-kb ${process.resourceUsage().maxRSS}\n`,
  );
});
runCli(process.argv.slice(2)).then(code => {
  process.exitCode = code;
});
