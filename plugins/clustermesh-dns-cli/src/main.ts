// The entry point of the bundled command.
import { runCli } from './cli/run';

// A closed pipe (`| head`) is not an error of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`clustermesh-dns: ${error?.stack ?? error}\n`);
    process.exitCode = 2;
  },
);
